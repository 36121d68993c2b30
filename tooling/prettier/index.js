/**
 * The one formatting of the house, for every TypeScript, TSX, JSON, CSS and Markdown file.
 * 120 columns as STYLE.md says, single quotes as the code was already written; the rest is Prettier's default.
 *
 * @type {import("prettier").Config}
 */
const config = {
  printWidth: 120,
  singleQuote: true,
  proseWrap: 'preserve',
};

export default config;
