"""`make run` configures communications' mail for `make demo`, but never over what the environment sets."""

from __future__ import annotations

from leadline.communications.config import Settings
from leadline.contracts.tooling.local_stack import local_mail_settings, mail_ports


def test_make_run_receives_on_one_port_and_sends_to_the_demos_relay_on_another() -> None:
    settings = local_mail_settings(8000, {})
    assert (settings["MAIL_RECEIVER_PORT"], settings["SMTP_PORT"]) == ("8025", "8026")
    assert mail_ports(8000) == {"lmtp": 8025, "relay": 8026}
    configured = Settings.model_validate(
        {name.lower(): value for name, value in settings.items()}
    )  # a valid combination
    assert (configured.mail_recipient_domains, configured.smtp_security) == (["leadline.example"], "none")


def test_a_relay_or_receiver_of_ones_own_is_left_alone() -> None:
    settings = local_mail_settings(8000, {"SMTP_HOST": "relay.example.com", "MAIL_RECEIVER_PORT": "2525"})
    assert settings == {}
    recipients_set = local_mail_settings(8000, {"MAIL_RECIPIENT_ADDRESSES": "sales@example.com"})
    assert "MAIL_RECIPIENT_DOMAINS" not in recipients_set
    assert recipients_set["MAIL_RECEIVER_PORT"] == "8025"
