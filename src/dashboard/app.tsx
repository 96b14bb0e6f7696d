import { useEffect, useMemo, useState } from 'preact/hooks';
import { createClient, type StreamerClient } from '../client';
import { RunList } from './runList';
import { RunPage } from './runPage';
import {
  claimsOf,
  type DashboardSettings,
  fetchToken,
  forgetToken,
  storedToken,
  storeToken,
} from './session';
import { SignIn } from './signIn';

/** The page's route, from the fragment: `#/` (the run list) or `#/runs/<id>`. */
type Route = { readonly kind: 'list' } | { readonly kind: 'run'; readonly id: string };

function routeOf(hash: string): Route {
  const match = /^#\/runs\/(.+)$/.exec(hash);
  return match?.[1] ? { kind: 'run', id: decodeURIComponent(match[1]) } : { kind: 'list' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** One client per sign-in, closed when the token changes or the page goes. */
function useClient(settings: DashboardSettings, token: string | undefined) {
  const [connected, setConnected] = useState(false);
  const client = useMemo<StreamerClient | undefined>(() => {
    if (!token && !settings.tokenUrl) return undefined;
    const { tokenUrl } = settings;
    return createClient({
      url: settings.url,
      token: tokenUrl && !token ? () => fetchToken(tokenUrl) : (token ?? ''),
      onConnectionEvent: (event) => {
        if (event.type === 'open') setConnected(true);
        if (event.type === 'close') setConnected(false);
      },
    });
  }, [settings, token]);
  useEffect(() => () => client?.close(), [client]);
  return { client, connected };
}

/** The dashboard: sign in with a JWT, then the tenant's runs and each run's page. */
export function App({ settings }: { readonly settings: DashboardSettings }) {
  const [token, setToken] = useState(storedToken());
  const { client, connected } = useClient(settings, token);
  const route = useRoute();
  if (!client) {
    return (
      <SignIn
        url={settings.url}
        onToken={(t) => {
          storeToken(t);
          setToken(t.trim());
        }}
      />
    );
  }
  const claims = claimsOf(token);
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          Streamer runs
        </a>
        <span class={`conn ${connected ? 'is-up' : 'is-down'}`} data-connected={String(connected)}>
          {connected ? 'connected' : 'connecting…'}
        </span>
        <span class="who" data-tenant={claims.tenant ?? ''}>
          {claims.sub ?? 'token'} · tenant <strong>{claims.tenant ?? '?'}</strong>
        </span>
        <button
          type="button"
          class="link"
          onClick={() => {
            forgetToken();
            setToken(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {route.kind === 'run' ? (
          <RunPage key={route.id} client={client} id={route.id} />
        ) : (
          <RunList client={client} />
        )}
      </main>
    </div>
  );
}
