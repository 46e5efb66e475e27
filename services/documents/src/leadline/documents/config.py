from typing import ClassVar

from leadline.contracts.platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service: ClassVar[str] = "documents"
    default_http_port: ClassVar[int] = 8003
