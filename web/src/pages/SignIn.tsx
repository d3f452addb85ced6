import { type FormEvent, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";

import { Banner } from "../components/states";
import { signIn, SignInError } from "../lib/session";

interface SignInState {
  notice?: string;
  from?: string;
}

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const navigate = useNavigate();
  const location = useLocation();
  const state = (location.state ?? {}) as SignInState;
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
      setKey(""); // the key is not kept, not even in this form
      onSignedIn();
      navigate(state.from && state.from !== "/signin" ? state.from : "/", { replace: true });
    } catch (e) {
      setError(e instanceof SignInError ? e.message : "Sign-in failed. Try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} noValidate>
        <h1>Sign in to Metergraph</h1>
        {state.notice ? <Banner kind="info">{state.notice}</Banner> : null}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "api-key-error" : "api-key-help"}
          required
        />
        <p id="api-key-help" className="help">
          Create one with <code>metergraph keys create --role ADMIN</code>. It is exchanged for a
          session that lasts 12 hours; the key is not stored in this browser.
        </p>
        {error ? (
          <p id="api-key-error" className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
