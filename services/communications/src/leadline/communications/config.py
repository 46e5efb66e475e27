from typing import ClassVar

from leadline.contracts.settings import ServiceSettings


class Settings(ServiceSettings):
    service: ClassVar[str] = "communications"
    default_http_port: ClassVar[int] = 8002
