import { base } from '@trellis/eslint-config/base';

export default base(import.meta.dirname);
