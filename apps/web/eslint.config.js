import { react } from '@trellis/eslint-config/react';

export default react(import.meta.dirname);
