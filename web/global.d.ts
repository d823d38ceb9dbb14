/** Style sheets are bundled by esbuild into one hashed .css file. */
declare module '*.css';
