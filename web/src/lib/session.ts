// The browser's side of a console session.
//
// An API key is exchanged once for an HttpOnly session cookie (POST /v1/session);
// the key itself is never stored. What the page keeps is the CSRF token, which the
// server also sets as a readable cookie so that a reload finds it again.

export const CSRF_COOKIE = "metergraph_csrf";
export const CSRF_HEADER = "X-Metergraph-CSRF";

export type Role = "ADMIN" | "SYSTEM" | "COMPANY_ADMIN" | "VIEWER";

export interface SessionInfo {
  role: Role;
  companyId: string | null;
  expiresAt: string;
  csrfToken: string;
}

/** Why a sign-in failed, in words for the sign-in page. */
export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: "That API key was not accepted. Check it for typos, or ask an operator whether it was revoked.",
  INVALID_REQUEST: "Enter an API key.",
  RATE_LIMITED: "Too many attempts. Wait a moment and try again.",
};

/** The value of cookie `name` in `cookies` (document.cookie's format), or null. */
export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      const value = rest.join("=");
      return value ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

export function csrfToken(): string | null {
  return typeof document === "undefined" ? null : readCookie(document.cookie, CSRF_COOKIE);
}

/** A session may be open (the CSRF cookie is there); only the server can say for sure. */
export function mayHaveSession(): boolean {
  return csrfToken() !== null;
}

export async function signIn(key: string, fetcher: typeof fetch = fetch): Promise<SessionInfo> {
  const trimmed = key.trim();
  if (!trimmed) throw new SignInError("INVALID_REQUEST", MESSAGES.INVALID_REQUEST);
  let response: Response;
  try {
    response = await fetcher("/v1/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: trimmed }),
    });
  } catch {
    throw new SignInError("NETWORK", "The server could not be reached. Check your connection and try again.");
  }
  if (response.ok) return (await response.json()) as SessionInfo;
  let code = response.status === 429 ? "RATE_LIMITED" : "UNAUTHENTICATED";
  try {
    const body = (await response.json()) as { error?: { code?: string } };
    code = body.error?.code ?? code;
  } catch {
    // not JSON: keep the status's meaning
  }
  if (response.status >= 500) {
    throw new SignInError(code, `The server could not sign you in (HTTP ${response.status}). Try again shortly.`);
  }
  throw new SignInError(code, MESSAGES[code] ?? MESSAGES.UNAUTHENTICATED);
}

export async function signOut(fetcher: typeof fetch = fetch): Promise<void> {
  const token = csrfToken();
  try {
    await fetcher("/v1/session", {
      method: "DELETE",
      credentials: "same-origin",
      headers: token ? { [CSRF_HEADER]: token } : {},
    });
  } catch {
    // Signed out locally all the same; the cookie expires on its own.
  }
}

/** Headers every state-changing request of the console carries. */
export function csrfHeaders(): Record<string, string> {
  const token = csrfToken();
  return token ? { [CSRF_HEADER]: token } : {};
}

export type AuthFailure = "expired" | "signed-out" | null;

/** What an HTTP status and error code from the API say about the session. */
export function authFailure(status: number, code?: string | null): AuthFailure {
  if (status !== 401 && status !== 403) return null;
  if (code === "SESSION_EXPIRED") return "expired";
  if (status === 401) return "signed-out";
  if (code === "CSRF_TOKEN_INVALID") return "expired";
  return null;
}

/** Raised to the app when the API refuses the session. */
export const sessionEvents = new EventTarget();

export function announceAuthFailure(failure: AuthFailure): void {
  if (failure) sessionEvents.dispatchEvent(new CustomEvent("auth-failure", { detail: failure }));
}

export const NOTICES: Record<Exclude<AuthFailure, null>, string> = {
  expired: "Your session has expired. Sign in again to continue.",
  "signed-out": "You are signed out. Sign in with an API key to continue.",
};
