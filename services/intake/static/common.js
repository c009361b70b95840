/* What every intake page needs: calling the JSON API, showing its Chinese errors, stage badges.
   Plain ES2017 so an old school laptop's browser runs it without a build step. */
"use strict";

var Zj = (function () {
  function ApiError(status, detail) {
    this.status = status;
    this.detail = detail || {};
    this.message = (this.detail.message_zh || "请求失败") + "（" + status + "）";
  }

  // The API answers errors as {"detail": {"message_zh", "message_en", "fields"?: [...]}}.
  function detailOf(status, body) {
    if (body && typeof body.detail === "object" && body.detail !== null && !Array.isArray(body.detail)) {
      return body.detail;
    }
    if (body && Array.isArray(body.detail)) {
      // FastAPI's own 422 (a malformed request body): name the fields it points at.
      return {
        message_zh: "提交的内容格式不正确",
        message_en: "the request is malformed",
        fields: body.detail.map(function (d) {
          var loc = d.loc || [];
          return { field: String(loc[loc.length - 1]), message_zh: "格式不正确", message_en: d.msg };
        }),
      };
    }
    if (status === 401) return { message_zh: "请先登录", message_en: "please log in" };
    if (status === 403) return { message_zh: "没有权限进行此操作", message_en: "not allowed" };
    return { message_zh: "服务器暂时无法处理，请稍后再试", message_en: "the server could not answer" };
  }

  function api(method, url, body) {
    var init = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(
      function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (res.status === 401 && url.indexOf("/api/auth/") !== 0) {
            // The session ran out (7 days) while the page was open: log in and come back here.
            location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
          }
          if (!res.ok) throw new ApiError(res.status, detailOf(res.status, data));
          return data;
        });
      },
      function () {
        throw new ApiError(0, { message_zh: "网络连接中断，请检查网络后重试", message_en: "network error" });
      }
    );
  }

  function showBanner(el, kind, zh, en) {
    el.className = "banner " + kind;
    el.textContent = "";
    el.appendChild(document.createTextNode(zh));
    if (en) {
      var span = document.createElement("span");
      span.className = "en";
      span.textContent = " " + en;
      el.appendChild(span);
    }
  }

  function showError(el, err) {
    var d = err && err.detail ? err.detail : { message_zh: String(err) };
    showBanner(el, "error", d.message_zh || "出错了", d.message_en || "");
  }

  // Colour of a stage's badge: green done well, red needs the entrant, amber waiting on someone.
  var GOOD = ["approved", "transcoding", "in_review", "recommended", "awarded", "published"];
  var BAD = ["failed_validation", "transcode_failed", "returned", "not_recommended", "publish_failed", "rejected"];
  function stageClass(stage) {
    if (GOOD.indexOf(stage) >= 0) return "badge good";
    if (BAD.indexOf(stage) >= 0) return "badge bad";
    return "badge wait";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function bilingual(zh, en) {
    return el("span", {}, [zh || "", el("span", { className: "en", text: en ? " " + en : "" })]);
  }

  function formatBytes(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return (n / 1024).toFixed(0) + " KB";
    return n + " B";
  }

  function formatTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  var logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", function (e) {
      e.preventDefault();
      api("POST", logout.getAttribute("data-url") || "/api/auth/logout").then(
        function () { location.href = "/"; },
        function () { location.href = "/"; }
      );
    });
  }

  return {
    api: api,
    ApiError: ApiError,
    showBanner: showBanner,
    showError: showError,
    stageClass: stageClass,
    el: el,
    bilingual: bilingual,
    formatBytes: formatBytes,
    formatTime: formatTime,
  };
})();
