"""AWS Signature Version 4 as the S3 blob store signs its requests, checked against the examples of AWS's own
documentation (Amazon S3 API reference, "Signature Calculations for the Authorization Header")."""

from __future__ import annotations

from datetime import UTC, datetime

from leadline.communications.adapters.s3 import EMPTY_SHA256, Credentials, sign

EXAMPLE = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1")
EXAMPLE_DAY = datetime(2013, 5, 24, tzinfo=UTC)


def signature(method: str, url: str, headers: dict[str, str] | None = None) -> str:
    authorization = sign(method, url, headers or {}, EMPTY_SHA256, EXAMPLE, at=EXAMPLE_DAY)["Authorization"]
    return authorization.rpartition("Signature=")[2]


def test_a_get_of_an_object_is_signed_as_aws_documents_it() -> None:
    assert sign(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        EMPTY_SHA256,
        EXAMPLE,
        at=EXAMPLE_DAY,
    ) == {
        "x-amz-date": "20130524T000000Z",
        "x-amz-content-sha256": EMPTY_SHA256,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    }


def test_a_query_is_signed_sorted_whatever_its_order_in_the_url() -> None:
    documented = "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    assert signature("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J") == documented
    assert signature("GET", "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2") == documented


def test_a_path_and_a_query_are_signed_encoded_once_whether_the_url_encoded_them_or_not() -> None:
    encoded = signature("GET", "https://s3.example/bucket/poczta%20%C5%BC%2B/?prefix=a%2Fb%20c")
    assert signature("GET", "https://s3.example/bucket/poczta ż+/?prefix=a/b c") == encoded


def test_the_host_is_signed_as_it_is_sent_in_lower_case_without_the_default_port() -> None:
    # httpx sends `Host: examplebucket.s3.amazonaws.com` for each of these URLs.
    documented = "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    assert signature("GET", "https://examplebucket.s3.amazonaws.com:443/?max-keys=2&prefix=J") == documented
    assert signature("GET", "https://ExampleBucket.S3.amazonaws.com/?max-keys=2&prefix=J") == documented
