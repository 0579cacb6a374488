"""The emulated verify runs' requests to moto answered in process (emulated.answer_in_process)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from tests.verify.emulated import answer_in_process, moto_session

REFUSED = "http://127.0.0.1:1"
"""Nothing listens on port 1: a request that reached the socket would be refused."""


def session_for(endpoint: str) -> boto3.Session:
    session = moto_session()
    answer_in_process(session.events, endpoint)
    return session


def test_requests_to_the_endpoint_never_reach_a_socket_and_see_the_servers_state(moto_endpoint: str) -> None:
    in_process = session_for(REFUSED).client("sns", endpoint_url=REFUSED)
    arn = in_process.create_topic(Name="in-process-transport")["TopicArn"]
    over_socket = moto_session().client("sns", endpoint_url=moto_endpoint)
    try:
        assert arn in {t["TopicArn"] for t in over_socket.list_topics()["Topics"]}
    finally:
        over_socket.delete_topic(TopicArn=arn)


def test_requests_to_any_other_endpoint_go_over_the_socket(moto_endpoint: str) -> None:
    once = Config(retries={"total_max_attempts": 1})
    elsewhere = session_for(moto_endpoint).client("sns", endpoint_url=REFUSED, config=once)
    with pytest.raises(EndpointConnectionError):
        elsewhere.list_topics()
