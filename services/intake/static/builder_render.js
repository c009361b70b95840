// Drawing the builder's structured form from the definition, and its entry-form preview.
import { el } from "/static/common/dom.js";
import { SECTIONS, getAt, setAt, shownValue } from "./builder_fields.js";

// `changed(path, column, input)` on each edit; `redraw()` after a row is added or removed.
export function drawSections(holder, state, changed, redraw) {
  holder.replaceChildren(
    ...SECTIONS.map((section) => {
      const body = section.list
        ? drawList(state, section.list, section, changed, redraw)
        : drawFields(state, "", section.columns, changed);
      return el("div", { className: "card", "data-section": section.list || section.key || "basics" }, [
        el("h2", {}, [section.title[0], " ", el("span", { className: "en", text: section.title[1] })]),
        body,
      ]);
    }),
  );
}

function drawList(state, listPath, spec, changed, redraw) {
  const rows = getAt(state, listPath) || [];
  const items = rows.map((row, i) => {
    const at = `${listPath}[${i}]`;
    const remove = el("button", { type: "button", className: "secondary small", "data-remove": at, text: "删除 Remove" });
    remove.addEventListener("click", () => {
      rows.splice(i, 1);
      redraw();
    });
    return el("div", { className: "item", "data-row": at }, [drawFields(state, `${at}.`, spec.columns, changed, redraw), remove]);
  });
  const add = el("button", { type: "button", className: "secondary", "data-add": listPath, text: "＋ 添加 Add" });
  add.addEventListener("click", () => {
    const list = getAt(state, listPath);
    const blank = structuredClone(spec.blank);
    if (Array.isArray(list)) list.push(blank);
    else setAt(state, listPath, [blank]);
    redraw();
  });
  return el("div", { className: "list" }, [...items, add]);
}

function drawFields(state, prefix, columns, changed, redraw) {
  const row = prefix ? getAt(state, prefix.slice(0, -1)) || {} : state;
  const cells = columns
    .filter((c) => !c.when || c.when(row))
    .map((column) => {
      const path = `${prefix}${column.path}`;
      if (column.type === "rows") {
        return el("div", { className: "field wide", "data-path": path }, [
          el("label", { text: column.label }),
          drawList(state, path, column, changed, redraw),
          el("div", { className: "error" }),
        ]);
      }
      return drawField(state, path, column, changed);
    });
  return el("div", { className: "form-grid builder-grid" }, cells);
}

function drawField(state, path, column, changed) {
  const id = `f-${path.replace(/[^a-z0-9]/gi, "-")}`;
  const value = getAt(state, path);
  let input;
  if (column.type === "select") {
    input = el("select", { id }, [el("option", { value: "", text: "—" }), ...column.options.map((o) => el("option", { value: o, text: o }))]);
    input.value = value ?? "";
  } else if (column.type === "bool") {
    input = el("input", { id, type: "checkbox" });
    input.checked = column.on ? value !== false : value === true;
  } else {
    const type = column.type === "date" ? "date" : "text";
    input = el("input", { id, type, inputmode: ["int", "float"].includes(column.type) ? "decimal" : "text" });
    input.value = shownValue(column, value);
  }
  input.addEventListener(column.type === "bool" || column.type === "select" ? "change" : "input", () => changed(path, column, input));
  const label = el("label", { for: id, text: column.label });
  const hint = column.hint ? [el("div", { className: "hint", text: column.hint })] : [];
  return el("div", { className: "field", "data-path": path }, [label, input, ...hint, el("div", { className: "error" })]);
}

// The entry form an entrant will see: the form's fields and the materials with what they must be.
export function drawPreview(holder, state) {
  const fields = (state.form || []).map((f) => {
    const label = el("label", {}, [f.label || f.key || "?", ...(f.required === false ? [] : [el("span", { className: "req", text: "*" })])]);
    let input;
    if (f.kind === "choice") input = el("select", { disabled: "" }, (f.choices || []).map((c) => el("option", { text: c })));
    else if (f.kind === "textarea") input = el("textarea", { disabled: "", rows: "2" });
    else input = el("input", { type: "text", disabled: "", placeholder: f.personal ? "个人信息，不对外公开" : "" });
    return el("div", { className: "field" }, [label, input]);
  });
  if ((state.groups || []).length) {
    fields.unshift(el("div", { className: "field" }, [el("label", { text: "组别" }), el("select", { disabled: "" }, state.groups.map((g) => el("option", { text: g })))]));
  }
  const materials = (state.materials || []).map((m) =>
    el("div", { className: "material" }, [
      el("div", { className: "name", text: `${m.label || m.key}${m.required === false ? "（选交）" : ""}` }),
      el("div", { className: "small muted", text: specSummary(m) }),
    ]),
  );
  holder.replaceChildren(el("div", { className: "form-grid" }, fields), ...materials);
}

function specSummary(m) {
  const v = m.video || {};
  const said = [m.kind];
  if (v.width && v.height) said.push(`${v.width}×${v.height}`);
  if (v.frame_rate) said.push(`${v.frame_rate}帧/秒`);
  if (v.duration && v.duration.max_s) said.push(`不超过${v.duration.max_s}秒`);
  if (v.containers) said.push(v.containers.join("/").toUpperCase());
  const formats = (m.document || m.images || {}).formats;
  if (formats) said.push(formats.join("/").toUpperCase());
  return said.join(" · ");
}
