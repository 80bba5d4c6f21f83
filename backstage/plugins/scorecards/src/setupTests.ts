// jsdom lacks what some Backstage components reach for at import time.
import { TextDecoder, TextEncoder } from 'util';

Object.assign(globalThis, { TextEncoder, TextDecoder });

export {};
