"""The pages' one fetch helper (services/common/static/api.js) gives up on an answer that never
comes, with the words every page shows for a failed request; run in node with a fetch that hangs."""

import json
import shutil
import subprocess
from pathlib import Path

API_JS = Path(__file__).resolve().parents[2] / "services/common/static/api.js"

# A fetch that never answers, as a stalled proxy or a frozen server: only an abort ends it.
SCRIPT = """
import { api } from "./api.mjs";
globalThis.fetch = (url, init) =>
  new Promise((_, reject) => {
    init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
  });
try {
  await api("GET", "/api/campaigns", undefined, { timeoutMs: 50 });
  console.log(JSON.stringify({ answered: true }));
} catch (error) {
  console.log(JSON.stringify({ status: error.status, message: error.message, detail: error.detail }));
}
"""


def test_a_request_without_an_answer_fails_with_a_timeout_message(tmp_path: Path) -> None:
    shutil.copy(API_JS, tmp_path / "api.mjs")  # node reads ES modules by their .mjs name
    (tmp_path / "hang.mjs").write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        ["node", "hang.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=20, check=True
    )
    failed = json.loads(done.stdout)
    assert failed["status"] == 0
    assert failed["detail"]["message_zh"] == "请求超时，请检查网络后重试"
    assert failed["message"].startswith("请求超时")
