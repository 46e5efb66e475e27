from typing import ClassVar

from leadline.contracts.platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service: ClassVar[str] = "leads"
    default_http_port: ClassVar[int] = 8001
