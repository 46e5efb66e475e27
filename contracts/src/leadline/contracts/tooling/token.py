"""``leadline-token USER``: mints a local HS256 token for a demo user (the embedded default only)."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

from leadline.contracts.platform.auth import DEMO_USERS, mint_token
from leadline.contracts.platform.settings import LOCAL_JWT_SECRET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("user", choices=sorted(DEMO_USERS), help="demo user")
    parser.add_argument("--hours", type=float, default=12.0, help="validity")
    args = parser.parse_args()
    user = DEMO_USERS[args.user]
    secret = os.environ.get("JWT_SECRET", LOCAL_JWT_SECRET)
    print(
        mint_token(
            user_id=user.user_id,
            name=user.name,
            roles=user.roles,
            extension=user.extension,
            email=user.email,
            secret=secret,
            ttl=timedelta(hours=args.hours),
        )
    )


if __name__ == "__main__":
    main()
