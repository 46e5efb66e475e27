"""The services every tool and test takes as the whole system are the installed ones, in their ports' order."""

from __future__ import annotations

from leadline.contracts.tooling.local_stack import service_ports
from leadline.contracts.tooling.services import service_names


def test_the_installed_services_come_in_the_order_of_their_default_ports() -> None:
    assert service_names() == ("leads", "communications", "documents", "reporting")


def test_the_local_stack_gives_each_service_its_default_port() -> None:
    assert service_ports(8000) == {"leads": 8001, "communications": 8002, "documents": 8003, "reporting": 8004}
