from typing import ClassVar

from leadline.contracts.settings import ServiceSettings


class Settings(ServiceSettings):
    service: ClassVar[str] = "leads"
    default_http_port: ClassVar[int] = 8001
