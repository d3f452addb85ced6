import type { ReactNode } from "react";
import { NavLink, useNavigate } from "react-router-dom";

import { navFor } from "../lib/nav";
import { signOut } from "../lib/session";
import { isCustomer, ROLE_LABELS, useViewer } from "../lib/viewer";

export function Layout({ children, onSignedOut }: { children: ReactNode; onSignedOut: () => void }) {
  const viewer = useViewer();
  const navigate = useNavigate();
  const leave = async () => {
    await signOut();
    onSignedOut();
    navigate("/signin", { replace: true, state: { notice: "You have signed out." } });
  };
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Metergraph</span>
        <span className="who">
          {isCustomer(viewer) && viewer.companyName ? <strong>{viewer.companyName}</strong> : null}
          <span className="role">{ROLE_LABELS[viewer.role]}</span>
        </span>
        <button type="button" className="secondary" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <nav className="sidenav" aria-label="Sections">
        <ul>
          {navFor(viewer.role).map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} end={item.to === "/"}>
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
