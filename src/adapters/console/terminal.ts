/**
 * Line input and printing for the console adapter. Lines are handled strictly one after another: a line's
 * handler finishes (including any job it waits for) before the next line is handed over, whether the
 * input is a person at a TTY or a piped script.
 *
 * At a TTY, output that arrives while the prompt is showing (job progress, alerts) clears the prompt line,
 * prints, and redraws the prompt with whatever the user had typed, so asynchronous posts do not garble it.
 * Without a TTY there is no prompt; each line is echoed after `user> ` so the transcript reads like the
 * session it was.
 *
 * At a TTY, the message printed last can be redrawn in place (cursor up, clear below, print again), as
 * progress bars do; once anything else was printed or typed after it, an edit is printed anew instead,
 * because redrawing would have to repaint what follows.
 */
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Log } from "../../services/ports.js";
import { displayWidth } from "../chat-kit/table.js";

export interface TerminalOptions {
  input: Readable;
  output: Writable;
  isTTY: boolean;
  log: Log;
  /** Handles one line; the next line is not handled before this settles. */
  onLine(line: string): Promise<void>;
}

export class Terminal {
  private readline: Interface | undefined;
  private queue: Promise<void> = Promise.resolve();
  private promptText = "> ";
  private promptShowing = false;
  private closed = false;
  /** The message printed last and the screen rows it takes, while nothing else came after it. */
  private lastMessage: { key: string; rows: number } | undefined;
  private stopAccepting = false;
  private resolveDone!: () => void;
  /** Resolves once input has ended (EOF, Ctrl-D, :quit or close()) and queued lines are handled. */
  readonly done: Promise<void>;

  constructor(private readonly options: TerminalOptions) {
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    options.output.on("error", (err: Error) =>
      options.log.warn({ err: err.message }, "console output failed"),
    );
  }

  start(prompt: string): void {
    if (this.readline) throw new Error("console terminal already started");
    this.promptText = prompt;
    const { input, output, isTTY } = this.options;
    const rl = createInterface({
      input,
      output,
      terminal: isTTY,
      prompt,
      historySize: isTTY ? 200 : 0,
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    this.readline = rl;
    rl.on("line", (line) => {
      this.promptShowing = false;
      this.lastMessage = undefined;
      if (this.stopAccepting) return;
      this.queue = this.queue.then(() => this.runLine(line));
    });
    rl.on("SIGINT", () => rl.close());
    rl.on("close", () => {
      this.closed = true;
      this.promptShowing = false;
      void this.queue.then(() => this.resolveDone());
    });
    input.on("error", (err: Error) => {
      this.options.log.error({ err: err.message }, "console input failed");
      rl.close();
    });
    if (isTTY) this.showPrompt();
  }

  setPrompt(prompt: string): void {
    this.promptText = prompt;
    this.readline?.setPrompt(prompt);
  }

  /** The prefix echoed before each line in a transcript, or shown as the prompt at a TTY. */
  get prompt(): string {
    return this.promptText;
  }

  /** Terminal columns, or undefined without a TTY (piped output has no width of its own). */
  get columns(): number | undefined {
    const columns = (this.options.output as { columns?: number }).columns;
    return this.options.isTTY && typeof columns === "number" && columns > 0 ? columns : undefined;
  }

  /** Prints a message that may be redrawn later under `key`. */
  printMessage(key: string, text: string): void {
    this.print(text);
    this.lastMessage = this.options.isTTY ? { key, rows: this.rowsOf(text) } : undefined;
  }

  /**
   * Redraws message `key` in place when it is the last thing on screen and fits on it; false otherwise
   * (no TTY, something came after it), and the caller prints it anew.
   */
  replaceMessage(key: string, text: string): boolean {
    const last = this.lastMessage;
    const screenRows = (this.options.output as { rows?: number }).rows ?? 24;
    if (!this.options.isTTY || this.closed || !last || last.key !== key || last.rows >= screenRows)
      return false;
    const { output } = this.options;
    const prompt = this.promptShowing && this.readline !== undefined;
    // Clear the prompt line, go up to the message's first row, clear everything below, print again.
    output.write(`${prompt ? "\r\u001b[2K" : ""}\u001b[${last.rows}A\r\u001b[J`);
    output.write(text);
    if (prompt) this.readline?.prompt(true);
    this.lastMessage = { key, rows: this.rowsOf(text) };
    return true;
  }

  /** Screen rows `text` takes: long lines wrap at the terminal's width. */
  private rowsOf(text: string): number {
    const columns = this.columns ?? 80;
    const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
    return lines.reduce((n, line) => n + Math.max(1, Math.ceil(displayWidth(line) / columns)), 0);
  }

  /** Prints text that ends with a newline, without disturbing a prompt the user is typing at. */
  print(text: string): void {
    const { output } = this.options;
    this.lastMessage = undefined;
    if (this.promptShowing && this.readline && !this.closed) {
      output.write("\r\u001b[2K");
      output.write(text);
      this.readline.prompt(true);
      return;
    }
    output.write(text);
  }

  /** Asks a yes/no question at a TTY; without one there is nobody to ask, so it answers `fallback`. */
  async confirm(question: string, fallback: boolean): Promise<boolean> {
    const rl = this.readline;
    if (!this.options.isTTY || !rl || this.closed) return fallback;
    this.lastMessage = undefined;
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  }

  /** Asks one line at a TTY (a button's form field); undefined without one. */
  async ask(question: string): Promise<string | undefined> {
    const rl = this.readline;
    if (!this.options.isTTY || !rl || this.closed) return undefined;
    this.lastMessage = undefined;
    return new Promise<string>((resolve) => rl.question(question, resolve));
  }

  /** Stops taking lines: the one being handled finishes, queued ones are dropped. */
  close(): void {
    this.stopAccepting = true;
    this.readline?.close();
    if (!this.readline) this.resolveDone();
  }

  private async runLine(line: string): Promise<void> {
    if (this.stopAccepting) return;
    if (!this.options.isTTY && line.trim() !== "") this.options.output.write(`${this.promptText}${line}\n`);
    try {
      await this.options.onLine(line);
    } catch (err) {
      this.options.log.error({ err }, "console line handler failed");
    }
    if (this.options.isTTY && !this.closed && !this.stopAccepting) this.showPrompt();
  }

  private showPrompt(): void {
    if (!this.readline || this.closed) return;
    this.readline.prompt();
    this.promptShowing = true;
  }
}
