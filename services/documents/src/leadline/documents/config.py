from typing import ClassVar

from leadline.contracts.settings import ServiceSettings


class Settings(ServiceSettings):
    service: ClassVar[str] = "documents"
    default_http_port: ClassVar[int] = 8003
