/**
 * Discord's documented limits on what a message, a modal and an autocomplete answer may hold, checked by the
 * fake before it accepts a call; a breach answers 400 `Invalid Form Body` (code 50035) like Discord does.
 * Sources: resources/message (content 2000, 10 embeds, 6000 characters of embed text, embed title 256,
 * description 4096, 25 fields of 256/1024, footer 2048, author 256), components/reference (5 action rows,
 * 5 buttons per row, custom_id 1-100, label 80, text inputs in modals: label 45, value 4000), interactions
 * (modal title 45, 25 autocomplete choices of 1-100 characters).
 */

type Json = Record<string, unknown>;

const str = (v: unknown) => (typeof v === "string" ? v : "");

export function messageProblems(body: Json): string[] {
  const out: string[] = [];
  const content = str(body.content);
  if (content.length > 2000) out.push(`content: ${content.length} characters, at most 2000`);
  const embeds = (body.embeds as Json[] | undefined) ?? [];
  if (embeds.length > 10) out.push(`embeds: ${embeds.length}, at most 10`);
  let total = 0;
  embeds.forEach((e, i) => {
    const title = str(e.title);
    const description = str(e.description);
    const footer = str((e.footer as Json | undefined)?.text);
    const author = str((e.author as Json | undefined)?.name);
    if (title.length > 256) out.push(`embeds[${i}].title: ${title.length} characters, at most 256`);
    if (description.length > 4096)
      out.push(`embeds[${i}].description: ${description.length} characters, at most 4096`);
    if (footer.length > 2048) out.push(`embeds[${i}].footer.text: at most 2048 characters`);
    if (author.length > 256) out.push(`embeds[${i}].author.name: at most 256 characters`);
    const fields = (e.fields as Json[] | undefined) ?? [];
    if (fields.length > 25) out.push(`embeds[${i}].fields: ${fields.length}, at most 25`);
    total += title.length + description.length + footer.length + author.length;
    fields.forEach((f, j) => {
      const name = str(f.name);
      const value = str(f.value);
      if (name.length < 1 || name.length > 256) out.push(`embeds[${i}].fields[${j}].name: 1-256 characters`);
      if (value.length < 1 || value.length > 1024)
        out.push(`embeds[${i}].fields[${j}].value: 1-1024 characters`);
      total += name.length + value.length;
    });
  });
  if (total > 6000) out.push(`embeds: ${total} characters of text in all, at most 6000`);
  out.push(...componentProblems((body.components as Json[] | undefined) ?? []));
  return out;
}

export function componentProblems(rows: Json[]): string[] {
  const out: string[] = [];
  if (rows.length > 5) out.push(`components: ${rows.length} action rows, at most 5`);
  const ids = new Set<string>();
  rows.forEach((row, i) => {
    if (row.type !== 1) out.push(`components[${i}]: top-level components must be action rows (type 1)`);
    const children = (row.components as Json[] | undefined) ?? [];
    if (children.length < 1 || children.length > 5)
      out.push(`components[${i}].components: 1-5 buttons in a row, got ${children.length}`);
    children.forEach((c, j) => {
      const where = `components[${i}].components[${j}]`;
      if (c.type !== 2) return;
      const label = str(c.label);
      if (label.length > 80) out.push(`${where}.label: ${label.length} characters, at most 80`);
      if (c.style === 5) {
        if (!/^https?:\/\//.test(str(c.url))) out.push(`${where}.url: a link button needs an http(s) url`);
        if (c.custom_id !== undefined) out.push(`${where}: a link button has no custom_id`);
        return;
      }
      const id = str(c.custom_id);
      if (id.length < 1 || id.length > 100) out.push(`${where}.custom_id: ${id.length} characters, 1-100`);
      if (ids.has(id)) out.push(`${where}.custom_id: duplicated in this message`);
      ids.add(id);
    });
  });
  return out;
}

export function modalProblems(data: Json): string[] {
  const out: string[] = [];
  const title = str(data.title);
  if (title.length < 1 || title.length > 45) out.push(`title: ${title.length} characters, 1-45`);
  const id = str(data.custom_id);
  if (id.length < 1 || id.length > 100) out.push(`custom_id: ${id.length} characters, 1-100`);
  const rows = (data.components as Json[] | undefined) ?? [];
  if (rows.length < 1 || rows.length > 5) out.push(`components: 1-5 text inputs, got ${rows.length}`);
  rows.forEach((row, i) => {
    for (const input of (row.components as Json[] | undefined) ?? []) {
      if (input.type !== 4) out.push(`components[${i}]: only text inputs (type 4) in a modal`);
      const label = str(input.label);
      if (label.length < 1 || label.length > 45) out.push(`components[${i}].label: 1-45 characters`);
      const value = str(input.value);
      if (value.length > 4000) out.push(`components[${i}].value: at most 4000 characters`);
    }
  });
  return out;
}

export function choiceProblems(choices: Json[]): string[] {
  const out: string[] = [];
  if (choices.length > 25) out.push(`choices: ${choices.length}, at most 25`);
  choices.forEach((c, i) => {
    const name = str(c.name);
    if (name.length < 1 || name.length > 100) out.push(`choices[${i}].name: 1-100 characters`);
    if (typeof c.value === "string" && c.value.length > 100) out.push(`choices[${i}].value: at most 100`);
  });
  return out;
}
