import { render } from 'preact';
import { App } from './app';
import { loadSettings, takeTokenFromFragment } from './session';

// The dashboard's entry (bundled by esbuild into dashboard.js, docs/inspect.md).
takeTokenFromFragment();
const root = document.getElementById('app');
if (root) render(<App settings={await loadSettings()} />, root);
