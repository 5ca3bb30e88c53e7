import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** Used by @sveltejs/vite-plugin-svelte, svelte-check and eslint-plugin-svelte. */
export default {
  preprocess: vitePreprocess(),
};
