// Every intake page: the header's 退出 link logs out through the API, then goes home.
import { api } from "/static/common/api.js";

const logout = document.getElementById("logout");
if (logout) {
  logout.addEventListener("click", async (event) => {
    event.preventDefault();
    // Home either way: a session the server no longer knows is as good as ended.
    await api("POST", logout.dataset.url || "/api/auth/logout").catch(() => null);
    location.href = "/";
  });
}
