export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'calibration-audit:theme';

function stored(): Theme | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The colour theme: the user's last choice, else the system's preference (followed live). */
class ThemeState {
  current = $state<Theme>('light');
  #chosen = false;

  constructor() {
    const saved = stored();
    this.#chosen = saved !== null;
    this.current = saved ?? systemTheme();
    this.#apply();
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (event) => {
      if (this.#chosen) return;
      this.current = event.matches ? 'dark' : 'light';
      this.#apply();
    });
  }

  toggle(): void {
    this.current = this.current === 'dark' ? 'light' : 'dark';
    this.#chosen = true;
    try {
      localStorage.setItem(STORAGE_KEY, this.current);
    } catch {
      // Storage may be unavailable (private mode); the choice then lasts for this session.
    }
    this.#apply();
  }

  #apply(): void {
    document.documentElement.dataset.theme = this.current;
  }
}

export const theme = new ThemeState();
