"""What is configured on a Kafka topic itself."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

DAY_MS = str(24 * 3600 * 1000)
HOUR_MS = str(3600 * 1000)


async def topic_settings(admin: AIOKafkaAdminClient, name: str) -> dict[str, str]:
    """What is set on the topic itself (not inherited from the broker)."""
    (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    (resource,) = response.to_object()["resources"]
    return {e["config_names"]: e["config_value"] for e in resource["config_entries"] if e["config_source"] == 1}
