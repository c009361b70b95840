// The campaign builder's structured form: which inputs each part of the definition has, and the
// paths (review_levels[1].outcome.award_cap) by which inputs, state and the check's problems meet.

const FIELD_KINDS = ["text", "textarea", "phone", "choice", "email", "number", "id_number"];
const WORK_KINDS = ["video", "audio", "images", "text", "quiz", "courseware", "registration_form"];
const UNIT_LEVELS = ["school", "county", "city", "province", "national"];
const DOCUMENTS = ["courseware", "registration_form"];

const spec = (kinds, columns) => columns.map((c) => ({ ...c, when: (row) => kinds.includes(row.kind || "video") }));

// type: text | int | float | bool | list | map | date | select; `on` (bool): the model's default is
// true; a map is typed as "key=value" pairs (a message kind and the provider's template id).
export const SECTIONS = [
  {
    title: ["基本信息", "The notice"],
    columns: [
      { path: "id", label: "活动编号 id", hint: "小写字母、数字、连字符" },
      { path: "title", label: "活动名称 title" },
      { path: "issuer", label: "发文单位 issuer" },
      { path: "notice_ref", label: "文号 notice_ref" },
      { path: "groups", label: "组别 groups", type: "list", hint: "以逗号分隔" },
      { path: "per_person_limit", label: "每人限报 per_person_limit", type: "int" },
      { path: "naming_rule", label: "文件命名规则 naming_rule", hint: "如 {title}—{school}{name}" },
      { path: "upload_window.starts", label: "上传开始 upload opens", type: "date" },
      { path: "upload_window.ends", label: "上传截止 upload closes", type: "date" },
      { path: "showcase_from", label: "展示开始 showcase_from", type: "date" },
    ],
  },
  {
    title: ["类别", "Categories"],
    list: "categories",
    blank: { name: "" },
    columns: [
      { path: "name", label: "类别 name" },
      { path: "subcolumns", label: "子栏目 subcolumns", type: "list" },
    ],
  },
  {
    title: ["报名表字段", "Registration form"],
    list: "form",
    blank: { key: "", label: "" },
    columns: [
      { path: "key", label: "字段名 key" },
      { path: "label", label: "标题 label" },
      { path: "kind", label: "类型 kind", type: "select", options: FIELD_KINDS, restructures: true },
      { path: "choices", label: "选项 choices", type: "list", when: (row) => row.kind === "choice" },
      { path: "max_length", label: "最长 max_length", type: "int" },
      { path: "required", label: "必填 required", type: "bool", on: true },
      { path: "personal", label: "个人信息 personal", type: "bool" },
    ],
  },
  {
    title: ["材料与规格", "Materials and their specs"],
    list: "materials",
    blank: { key: "", label: "", kind: "video" },
    columns: [
      { path: "key", label: "材料名 key" },
      { path: "label", label: "标题 label" },
      { path: "kind", label: "类型 kind", type: "select", options: WORK_KINDS, restructures: true },
      { path: "required", label: "必交 required", type: "bool", on: true },
      { path: "primary", label: "主作品 primary", type: "bool" },
      ...spec(["video"], [
        { path: "video.containers", label: "封装 containers", type: "list", hint: "如 mp4" },
        { path: "video.video_codecs", label: "视频编码 codecs", type: "list", hint: "如 h264" },
        { path: "video.width", label: "宽 width", type: "int" },
        { path: "video.height", label: "高 height", type: "int" },
        { path: "video.frame_rate", label: "帧率 frame_rate", type: "float" },
        { path: "video.duration.max_s", label: "最长秒数 max_s", type: "float" },
        { path: "video.duration.min_s", label: "最短秒数 min_s", type: "float" },
        { path: "video.max_size_bytes", label: "最大字节 max_size_bytes", type: "int" },
      ]),
      ...spec(["audio"], [
        { path: "audio.containers", label: "封装 containers", type: "list" },
        { path: "audio.duration.max_s", label: "最长秒数 max_s", type: "float" },
        { path: "audio.max_size_bytes", label: "最大字节 max_size_bytes", type: "int" },
      ]),
      ...spec(["images"], [
        { path: "images.formats", label: "格式 formats", type: "list" },
        { path: "images.max_count", label: "最多张数 max_count", type: "int" },
        { path: "images.min_width", label: "最小宽 min_width", type: "int" },
      ]),
      ...spec(["text"], [{ path: "text.max_chars", label: "最多字数 max_chars", type: "int" }]),
      ...spec(DOCUMENTS, [
        { path: "document.formats", label: "格式 formats", type: "list", hint: "如 pdf, pptx" },
        { path: "document.max_size_bytes", label: "最大字节 max_size_bytes", type: "int" },
        { path: "document.stamped", label: "须盖章 stamped", type: "bool" },
      ]),
      ...spec(["quiz"], [
        { path: "quiz.fields", label: "列名 fields", type: "list" },
        { path: "quiz.max_questions", label: "最多题数 max_questions", type: "int" },
      ]),
    ],
  },
  {
    title: ["评审级别与评奖规则", "Review levels and outcome rules"],
    list: "review_levels",
    blank: { key: "", name: "", unit_level: "city", outcome: {} },
    columns: [
      { path: "key", label: "级别名 key" },
      { path: "name", label: "名称 name" },
      { path: "unit_level", label: "组织层级 unit_level", type: "select", options: UNIT_LEVELS },
      { path: "reviewers_per_entry", label: "每件专家数 reviewers_per_entry", type: "int" },
      { path: "window.starts", label: "评审开始 opens", type: "date" },
      { path: "window.ends", label: "评审截止 closes", type: "date" },
      { path: "public_notice_days", label: "公示天数 public_notice_days", type: "int" },
      { path: "outcome.recommend_top", label: "每组推荐前 N recommend_top", type: "int" },
      { path: "outcome.recommend_total", label: "共推荐 N recommend_total", type: "int" },
      { path: "outcome.award_cap", label: "获奖比例上限 award_cap", type: "float", hint: "0.6 即 60%" },
      { path: "outcome.pool_by", label: "分组排名 pool_by", type: "list", hint: "unit, group, category…" },
      {
        path: "outcome.tiers",
        label: "奖项 tiers",
        type: "rows",
        blank: { key: "", name: "" },
        columns: [
          { path: "key", label: "key" },
          { path: "name", label: "奖项 name" },
          { path: "ratio", label: "比例 ratio", type: "int" },
          { path: "count", label: "名额 count", type: "int" },
          { path: "min_score", label: "分数线 min_score", type: "float" },
        ],
      },
    ],
  },
  {
    title: ["评分标准", "Rubric"],
    list: "rubric",
    blank: { key: "", name: "", weight: 1 },
    columns: [
      { path: "key", label: "key" },
      { path: "name", label: "名称 name" },
      { path: "weight", label: "权重 weight", type: "float" },
      { path: "max_score", label: "满分 max_score", type: "float" },
    ],
  },
  {
    title: ["消息通知", "Notifications"],
    key: "notifications",
    columns: [
      { path: "notifications.enabled", label: "发送通知 enabled", type: "bool", on: true },
      { path: "notifications.sms_provider", label: "短信服务商 sms_provider", type: "select", options: ["aliyun", "tencent"] },
      { path: "notifications.sms_sign_name", label: "短信签名 sms_sign_name", hint: "如 延边州电教馆" },
      { path: "notifications.sms_app_id", label: "短信应用 sms_app_id", hint: "腾讯云 SmsSdkAppId" },
      {
        path: "notifications.sms_templates",
        label: "短信模板 sms_templates",
        type: "map",
        hint: "消息类型=模板ID，如 received=SMS_1001, result=SMS_1004",
      },
      { path: "notifications.wechat_templates", label: "公众号模板 wechat_templates", type: "map" },
      { path: "notifications.quiet_from_hour", label: "免打扰开始 quiet_from_hour", type: "int", hint: "0–23 时，默认22" },
      { path: "notifications.quiet_until_hour", label: "免打扰结束 quiet_until_hour", type: "int", hint: "默认7；与开始相同即不设免打扰" },
      { path: "notifications.max_per_hour", label: "每人每小时上限 max_per_hour", type: "int", hint: "默认6" },
      { path: "notifications.approval_reminder_days", label: "提前提醒审核天数 approval_reminder_days", type: "int", hint: "默认2" },
      { path: "notifications.review_reminder_days", label: "提前提醒评分天数 review_reminder_days", type: "int", hint: "默认1" },
    ],
  },
  {
    title: ["发布平台", "Publication targets"],
    list: "publication_targets",
    blank: { key: "", name: "" },
    columns: [
      { path: "key", label: "key" },
      { path: "name", label: "名称 name" },
      { path: "url", label: "地址 url" },
      { path: "level", label: "评审级别 level" },
      { path: "qualifies", label: "入选 qualifies", type: "list", hint: "awarded, recommended" },
      { path: "publish_at", label: "发布日期 publish_at", type: "date" },
    ],
  },
];

// "review_levels[1].outcome.award_cap" -> ["review_levels", 1, "outcome", "award_cap"]
export function parts(path) {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

export function getAt(root, path) {
  return parts(path).reduce((node, key) => (node == null ? undefined : node[key]), root);
}

// Sets (or, for undefined, removes) the value; objects on the way are made, and left empty ones pruned.
export function setAt(root, path, value) {
  const keys = parts(path);
  const chain = [root];
  for (const key of keys.slice(0, -1)) {
    const node = chain[chain.length - 1];
    if (node[key] == null || typeof node[key] !== "object") node[key] = {};
    chain.push(node[key]);
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete chain[chain.length - 1][last];
  else chain[chain.length - 1][last] = value;
  for (let i = chain.length - 1; i > 0; i--) {
    const emptied = !Array.isArray(chain[i]) && Object.keys(chain[i]).length === 0;
    if (!emptied || keys[i - 1] === "outcome") break; // a level's outcome may be empty, never absent
    delete chain[i - 1][keys[i - 1]];
  }
}

// What an input holds, as the definition has it; a number that is not one is kept as typed, so the
// check names it ("类型不对") rather than the page silently dropping it.
export function valueOf(column, input) {
  if (column.type === "bool") return input.checked ? (column.on ? undefined : true) : column.on ? false : undefined;
  const raw = input.value.trim();
  if (raw === "") return undefined;
  if (column.type === "list") return raw.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
  if (column.type === "map") return pairs(raw);
  if (column.type === "int" || column.type === "float") return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  return raw;
}

// "received=SMS_1001, result=SMS_1004" -> {received: "SMS_1001", result: "SMS_1004"}; a piece
// without "=" keeps the whole text as typed, for the check to name.
function pairs(raw) {
  const pieces = raw.split(/[,，、\n]/).map((s) => s.trim()).filter(Boolean);
  if (pieces.some((p) => !/^[^=＝]+[=＝].+$/.test(p))) return raw;
  return Object.fromEntries(
    pieces.map((p) => {
      const at = p.search(/[=＝]/);
      return [p.slice(0, at).trim(), p.slice(at + 1).trim()];
    }),
  );
}

export function shownValue(column, value) {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}=${v}`).join(", ");
  return String(value);
}
