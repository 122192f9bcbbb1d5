/**
 * Approval ids travel in button ids (`approval:<id>:approve`) and Redis key names, so they are limited to
 * URL-safe characters and a length that keeps Discord's 100-character custom_id limit far away.
 */
import { randomBytes } from "node:crypto";

const APPROVAL_ID = /^[A-Za-z0-9_-]{6,64}$/;

export function isApprovalId(id: string): boolean {
  return APPROVAL_ID.test(id);
}

/** 96 random bits, base64url: 16 characters, unguessable, so a button cannot be forged by counting. */
export function newApprovalId(): string {
  return randomBytes(12).toString("base64url");
}
