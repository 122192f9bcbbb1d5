/**
 * A chat platform in a terminal, for the demo, for scripted sessions and for trying the bot without Slack
 * or Discord. Several configured users share one keyboard: `:as bob` switches identity, so a second person
 * can approve what the first requested. Buttons are pressed by number (`:click 2`).
 *
 * With piped input (no TTY) every line runs to completion, including the job it started and that job's
 * final message, before the next line is read, so a script's transcript is deterministic; `done` resolves
 * at end of input. At a TTY, jobs run in the background and their progress edits are printed as they come.
 *
 * At a TTY, an edit of the message printed last redraws it in place; colour follows NO_COLOR / FORCE_COLOR.
 * A reply that leaves rows or cell text out is saved whole to a file whose path the message prints.
 *
 * Messages are written straight to the terminal, not through the durable outbox the chat platforms use:
 * a terminal has no rate limit to wait for and no error to retry, and what was printed for a session that
 * crashed has no reader after a restart (a new process gets a new terminal and new message numbers), so
 * storing it in Redis would only delay the output. Post keys (PostOptions.key) are not kept either.
 *
 * Limits: one conversation (the configured channel); no threads: a thread reply is a new message marked
 * `↳ #n`; a button's confirmation dialog is asked only at a TTY (in a script the `:click` line itself is
 * the deliberate act); a button's form is read from the `:click` line when it carries answers, and asked
 * field by field at a TTY only after a bare `:click n` (prompt.ts).
 */
import { randomUUID } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import type { Clock, Log } from "../../services/ports.js";
import type { Actor, ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";
import type { ChatAdapter, Inbound } from "../chat.js";
import { fileNameFor, fullText } from "../chat-kit/full-text.js";
import { colorWanted } from "./ansi.js";
import { defaultFilesDir, saveFile } from "./files.js";
import { type ConsoleMessage, MessageStore } from "./message-store.js";
import { META_HELP, type MetaCommand, parseMeta } from "./meta.js";
import { answersAsked, answersFromText } from "./prompt.js";
import {
  buttonLabel,
  DEFAULT_WIDTH,
  formatMessage,
  leavesOut,
  type MessageHeader,
  type RenderOptions,
  TONE_MARKERS,
} from "./render.js";
import { Terminal } from "./terminal.js";
import { type ConsoleUser, consoleActor, knownConsoleUsers } from "./users.js";

export type { ConsoleUser } from "./users.js";

export interface ConsoleAdapterOptions {
  input: Readable;
  output: Writable;
  isTTY: boolean;
  /** ANSI colour; by default as `env` and the TTY say (NO_COLOR, FORCE_COLOR, TERM=dumb). */
  color?: boolean;
  /** The environment colour is decided from; the process's by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Line width for tables; the terminal's columns at a TTY, else 80. */
  width?: number;
  /** Where full replies are saved when a message leaves something out; a private temp directory by default. */
  filesDir?: string;
  /** `config.console.users`: user id → display name and groups. */
  users: Record<string, ConsoleUser>;
  /** The user the session starts as. */
  user: string;
  channel: string;
  clock: Clock;
  log: Log;
  newRequestId?: () => string;
  /**
   * Resolves when a job has finished and its final message was delivered. With it, a piped session waits
   * for each job a line started before reading the next line; without it, jobs run in the background.
   */
  waitForJob?: (jobId: string) => Promise<unknown>;
  /**
   * Console commands the host adds (`:alert firing` in the demo), by name without the colon; each answers
   * with a line to print, or throws an Error whose message is printed as a failure.
   */
  extraCommands?: Record<string, ExtraConsoleCommand>;
}

export interface ExtraConsoleCommand {
  /** One line for `:help`, e.g. `:alert firing|resolved   send a sample Grafana alert to the bot`. */
  usage: string;
  run(args: string[]): Promise<string>;
}

/** Read-only view of a printed message, for tests and transcript tools. */
export type ConsoleMessageView = Readonly<ConsoleMessage>;

export class ConsoleAdapter implements ChatAdapter {
  readonly platform = "console" as const;
  private readonly store = new MessageStore();
  private readonly terminal: Terminal;
  private readonly log: Log;
  private readonly color: boolean;
  private readonly newRequestId: () => string;
  /** Distinguishes this run's message refs from refs stored by an earlier run of the process. */
  private readonly session: string;
  private inbound: Inbound | undefined;
  private user: string;
  private handled = 0;
  /** Numbers the files of id-less notes. */
  private notes = 0;

  constructor(private readonly options: ConsoleAdapterOptions) {
    this.log = options.log.child({ adapter: "console" });
    this.color = options.color ?? colorWanted(options.env ?? process.env, options.isTTY);
    this.newRequestId = options.newRequestId ?? randomUUID;
    this.session = randomUUID();
    this.user = options.user;
    this.terminal = new Terminal({
      input: options.input,
      output: options.output,
      isTTY: options.isTTY,
      log: this.log,
      onLine: (line) => this.handleLine(line),
    });
  }

  /** Resolves at end of input or `:quit`, after the last line (and its job) has finished. */
  get done(): Promise<void> {
    return this.terminal.done;
  }

  get currentUser(): string {
    return this.user;
  }

  /** Input lines fully handled so far (blank ones included); lets a driver know a line it wrote has run. */
  get linesHandled(): number {
    return this.handled;
  }

  message(id: string): ConsoleMessageView | undefined {
    return this.store.get(id);
  }

  /** Begins reading input; returns at once. Await `done` for the end of the session. */
  async start(inbound: Inbound): Promise<void> {
    if (this.inbound) throw new Error("console adapter already started");
    this.inbound = inbound;
    if (this.options.isTTY) {
      this.terminal.print(
        `console chat in #${this.options.channel} as ${this.user}; type :help for console commands\n`,
      );
    }
    this.terminal.start(this.promptFor(this.user));
  }

  async stop(): Promise<void> {
    this.terminal.close();
    await this.terminal.done;
  }

  async post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    this.assertConsole(conversation.platform);
    return this.refOf(this.show(reply, undefined));
  }

  /**
   * At a TTY, redraws the message in place when it is the last thing printed; otherwise reprints it marked
   * `(edited)`. A message this run does not know is printed as a new one.
   */
  async update(ref: MessageRef, reply: Reply): Promise<void> {
    this.assertConsole(ref.platform);
    const now = this.options.clock.now();
    const known =
      ref.extra?.["session"] === this.session ? this.store.edit(ref.messageId, reply, now) : undefined;
    if (known) {
      const onlyYou = reply.visibility === "ephemeral";
      const inPlace = this.format({ id: known.id, onlyYou }, reply);
      if (this.terminal.replaceMessage(known.id, inPlace)) return;
      this.terminal.printMessage(known.id, this.format({ id: known.id, edited: true, onlyYou }, reply));
      return;
    }
    this.log.warn({ messageId: ref.messageId }, "update of a message from another session; printing it anew");
    this.show(reply, undefined);
  }

  /** A new message marked `↳ #n`: the terminal has no threads, so the reply names the message it answers. */
  async reply(ref: MessageRef, reply: Reply): Promise<MessageRef> {
    this.assertConsole(ref.platform);
    return this.refOf(this.show(reply, undefined, ref.messageId));
  }

  private async handleLine(rawLine: string): Promise<void> {
    try {
      const line = rawLine.trim();
      if (line === "") return;
      const extra = this.extraCommand(line);
      const meta = extra ? undefined : parseMeta(line);
      if (extra) await extra();
      else if (meta) await this.runMeta(meta);
      else await this.runCommand(line.replace(/^\/pve(\s+|$)/, ""));
    } finally {
      this.handled += 1;
    }
  }

  /** The host's own console command this line names, ready to run; undefined for any other line. */
  private extraCommand(line: string): (() => Promise<void>) | undefined {
    if (!line.startsWith(":")) return undefined;
    const [name = "", ...args] = line.slice(1).split(/\s+/);
    const command = this.options.extraCommands?.[name];
    if (!command) return undefined;
    return async () => {
      try {
        this.note(await command.run(args));
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
      }
    };
  }

  private async runCommand(text: string): Promise<void> {
    const inbound = this.requireInbound();
    const requestId = this.newRequestId();
    const started = this.options.clock.now();
    let reply: Reply;
    try {
      reply = await inbound.onCommand({
        actor: this.actorFor(this.user),
        conversation: this.conversation(),
        text,
        requestId,
      });
    } catch (err) {
      this.log.error({ err, requestId }, "command handler failed");
      reply = errorReply("E_INTERNAL", `internal error, ref ${requestId}`);
    }
    this.showReply(reply, this.user);
    await this.awaitJob(reply, requestId);
    this.log.debug(
      { requestId, user: this.user, ms: this.options.clock.now() - started },
      "console command done",
    );
  }

  private async runMeta(meta: MetaCommand): Promise<void> {
    switch (meta.kind) {
      case "help":
        this.note(
          [...META_HELP, ...Object.values(this.options.extraCommands ?? {}).map((c) => c.usage)].join("\n"),
        );
        return;
      case "quit":
        this.terminal.close();
        return;
      case "invalid":
        this.fail(meta.message);
        return;
      case "as":
        this.switchUser(meta.user);
        return;
      case "click":
        await this.click(meta);
        return;
    }
  }

  private switchUser(user: string | undefined): void {
    const known = knownConsoleUsers(this.options.users, this.options.user);
    if (user === undefined) {
      this.note(`you are ${this.user}; users: ${known.join(", ")}`);
      return;
    }
    if (!known.includes(user)) {
      this.fail(`unknown user "${user}"; known users: ${known.join(", ")}`);
      return;
    }
    this.user = user;
    this.terminal.setPrompt(this.promptFor(user));
  }

  private async click(meta: Extract<MetaCommand, { kind: "click" }>): Promise<void> {
    const target = this.store.resolveClick(meta, this.user);
    if (!target.ok) {
      this.fail(target.message);
      return;
    }
    const { button, message } = target;
    if (button.confirm) {
      const c = button.confirm;
      const [title, text, yes, no] = [c.title, c.text, c.confirm, c.deny].map(buttonLabel);
      if (!(await this.terminal.confirm(`${title}: ${text} (${yes} / ${no})`, true))) {
        this.note(`not sent: ${button.label} on #${message.id}`);
        return;
      }
    }
    let values: Record<string, string> | undefined;
    if (button.prompt) {
      const prompt = button.prompt;
      // Answers typed on the :click line are the answers, at a TTY too; only a bare click asks there.
      const answers =
        this.options.isTTY && meta.value === undefined
          ? await answersAsked(prompt, async (q) => (await this.terminal.ask(q)) ?? "")
          : answersFromText(prompt, meta.value);
      if (!answers.ok) {
        this.fail(`not sent: ${answers.message}`);
        return;
      }
      values = answers.values;
    }
    const inbound = this.requireInbound();
    const requestId = this.newRequestId();
    let reply: Reply | undefined;
    try {
      reply = await inbound.onAction({
        actor: this.actorFor(this.user),
        conversation: this.conversation(),
        message: this.refOf(message),
        actionId: button.id,
        ...(meta.value !== undefined && !values ? { value: meta.value } : {}),
        ...(values ? { values } : {}),
        requestId,
      });
    } catch (err) {
      this.log.error({ err, requestId }, "action handler failed");
      reply = errorReply("E_INTERNAL", `internal error, ref ${requestId}`);
    }
    if (!reply) return;
    this.showReply(reply, this.user);
    await this.awaitJob(reply, requestId);
  }

  /** Scripted sessions wait for the job a reply started, so its final message precedes the next line. */
  private async awaitJob(reply: Reply, requestId: string): Promise<void> {
    const wait = this.options.waitForJob;
    if (this.options.isTTY || reply.jobId === undefined || !wait) return;
    try {
      await wait(reply.jobId);
    } catch (err) {
      this.log.error({ err, requestId, jobId: reply.jobId }, "waiting for job failed");
      this.fail(`could not follow job ${reply.jobId} to its end, ref ${requestId}`);
    }
  }

  /** Replies with buttons or for the channel get an id; a plain ephemeral note is shown without one. */
  private showReply(reply: Reply, user: string): void {
    const ephemeral = reply.visibility === "ephemeral";
    if (ephemeral && !reply.buttons?.length) {
      this.terminal.print(this.format({ onlyYou: true }, reply));
      return;
    }
    this.show(reply, ephemeral ? user : undefined);
  }

  private show(reply: Reply, audience: string | undefined, replyTo?: string): ConsoleMessage {
    const message = this.store.add(reply, this.options.clock.now(), audience);
    const header: MessageHeader = {
      id: message.id,
      onlyYou: reply.visibility === "ephemeral",
      ...(replyTo !== undefined ? { replyTo } : {}),
    };
    this.terminal.printMessage(message.id, this.format(header, reply));
    return message;
  }

  /** The message as printed; a reply that leaves something out is first saved whole to a file. */
  private format(header: MessageHeader, reply: Reply): string {
    const options: RenderOptions = { color: this.color, width: this.width() };
    if (leavesOut(reply, options.width)) {
      const name = `${header.id !== undefined ? `message-${header.id}` : `note-${++this.notes}`}-${fileNameFor(reply)}`;
      const saved = saveFile(this.options.filesDir ?? defaultFilesDir(), name, fullText(reply));
      if (saved.ok) options.attachment = saved.path;
      else this.log.warn({ reason: saved.reason }, "console could not save the full reply");
    }
    return formatMessage(header, reply, options);
  }

  private width(): number {
    return this.options.width ?? this.terminal.columns ?? DEFAULT_WIDTH;
  }

  private note(text: string): void {
    this.terminal.print(`${text}\n`);
  }

  private fail(text: string): void {
    this.terminal.print(`${TONE_MARKERS.danger} ${text}\n`);
  }

  private actorFor(user: string): Actor {
    return consoleActor(this.options.users, user);
  }

  private conversation(): ConversationRef {
    return { platform: "console", channelId: this.options.channel };
  }

  private refOf(message: ConsoleMessage): MessageRef {
    return {
      platform: "console",
      channelId: this.options.channel,
      messageId: message.id,
      extra: { session: this.session },
    };
  }

  private promptFor(user: string): string {
    return `${user}> `;
  }

  private requireInbound(): Inbound {
    if (!this.inbound) throw new Error("console adapter used before start()");
    return this.inbound;
  }

  private assertConsole(platform: string): void {
    if (platform !== "console")
      throw new Error(`console adapter cannot deliver to a ${platform} conversation`);
  }
}
