"""An operator's day 2 on the publisher: a delivery parked after its last try is listed by
`zhengji admin jobs list` with its tries and why, and `zhengji admin deliveries retry` sends it
again once the platform is back; a delivery that is not parked, or does not exist, is refused."""

import json

import httpx

from services.common.settings import Settings
from tests.integration.admin_command import admin_command
from tests.integration.publisher.harness import parked_after_three_tries, settled
from zhengji.standin import StandIn, serving


async def test_a_parked_delivery_is_listed_and_sent_again_by_the_operator(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(fail_first=3, fail_status=502)) as platform:
        delivery_id = await parked_after_three_tries(api, kafka, platform.url("/alpha"))

        code, out, err = await admin_command(
            settings, "jobs", "list", "--queue", "delivery", "--state", "failed", "--json"
        )
        assert code == 0, err
        (row,) = json.loads(out)
        assert (row["job_id"], row["state_zh"], row["attempts"]) == (delivery_id, "失败（已搁置）", 3)
        assert "gave up after 3 tries" in row["reason"]
        code, out, _ = await admin_command(settings, "jobs", "list", "--queue", "webhook")
        assert code == 0 and delivery_id not in out

        code, out, err = await admin_command(settings, "deliveries", "retry", delivery_id)
        assert code == 0 and "已重新排队" in out, err
        await settled(api, delivery_id.split(":")[0], {"alpha": "published"})

    assert [r["status"] for r in platform.log] == [502, 502, 502, 201]
    code, _, err = await admin_command(settings, "deliveries", "retry", delivery_id)
    assert code == 1 and "只有已搁置（失败）的投递可以重试" in err
    code, _, err = await admin_command(settings, "deliveries", "retry", "nope:alpha")
    assert code == 2 and "不存在" in err
