import { configure } from '@testing-library/react';
// jsdom lacks what some Backstage components reach for at import time.
import { TextDecoder, TextEncoder } from 'util';

Object.assign(globalThis, { TextEncoder, TextDecoder });

// The tests wait for a live server; on a loaded CI machine an answer can take seconds.
configure({ asyncUtilTimeout: 15000 });

export {};
