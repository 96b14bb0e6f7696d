import { useState } from 'preact/hooks';

/** Asks for a JWT: the same token any client of this engine connects with. */
export function SignIn(props: { readonly url: string; readonly onToken: (token: string) => void }) {
  const [text, setText] = useState('');
  return (
    <form
      class="sign-in"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) props.onToken(text);
      }}
    >
      <h1>Streamer runs</h1>
      <p>
        Sign in with a JWT for <code>{props.url}</code>: you see the runs of its tenant only.
      </p>
      <textarea
        name="token"
        rows={5}
        placeholder="eyJhbGciOiJSUzI1NiIs…"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <button type="submit">Sign in</button>
      <p class="hint">
        On <code>streamer dev</code>, open the link it prints: it carries a dev token.
      </p>
    </form>
  );
}
