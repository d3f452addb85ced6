import { authFailure, csrfHeaders, CSRF_HEADER, readCookie, signIn, SignInError, signOut } from "./session";

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("session handling", () => {
  afterEach(() => {
    document.cookie = "metergraph_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
  });

  it("exchanges the key once and keeps nothing of it", async () => {
    const calls: [string, RequestInit][] = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return answer(200, { role: "ADMIN", companyId: null, expiresAt: "2026-12-03T00:00:00Z", csrfToken: "t1" });
    }) as unknown as typeof fetch;
    const session = await signIn("  mg_secret  ", fake);
    expect(session.role).toBe("ADMIN");
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe("/v1/session");
    expect(JSON.parse(calls[0][1].body as string)).toEqual({ key: "mg_secret" });
    expect(JSON.stringify(localStorage)).not.toContain("mg_secret");
    expect(JSON.stringify(sessionStorage)).not.toContain("mg_secret");
  });

  it("says clearly when a key is wrong, missing, or the server is away", async () => {
    const refused = (async () => answer(401, { error: { code: "UNAUTHENTICATED", message: "no" } })) as unknown as typeof fetch;
    await expect(signIn("mg_wrong", refused)).rejects.toThrow(/not accepted/);
    await expect(signIn("   ", refused)).rejects.toThrow(/Enter an API key/);
    const down = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    await expect(signIn("mg_x", down)).rejects.toBeInstanceOf(SignInError);
    await expect(signIn("mg_x", down)).rejects.toThrow(/could not be reached/);
    const broken = (async () => new Response("oops", { status: 502 })) as unknown as typeof fetch;
    await expect(signIn("mg_x", broken)).rejects.toThrow(/HTTP 502/);
  });

  it("reads the CSRF token from its cookie and sends it on sign-out", async () => {
    expect(readCookie("a=1; metergraph_csrf=abc%3D; b=2", "metergraph_csrf")).toBe("abc=");
    expect(csrfHeaders()).toEqual({});
    document.cookie = "metergraph_csrf=tok; path=/";
    expect(csrfHeaders()).toEqual({ [CSRF_HEADER]: "tok" });
    const seen: RequestInit[] = [];
    const fake = (async (_: string, init: RequestInit) => {
      seen.push(init);
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch;
    await signOut(fake);
    expect(seen[0].method).toBe("DELETE");
    expect(seen[0].headers).toEqual({ [CSRF_HEADER]: "tok" });
  });

  it("tells an expired session from a missing one", () => {
    expect(authFailure(401, "SESSION_EXPIRED")).toBe("expired");
    expect(authFailure(401, "UNAUTHENTICATED")).toBe("signed-out");
    expect(authFailure(403, "CSRF_TOKEN_INVALID")).toBe("expired");
    expect(authFailure(403, "FORBIDDEN")).toBeNull();
    expect(authFailure(200)).toBeNull();
  });
});
