import { hello } from '../src/hello.js';
test('hello', () => { expect(hello()).toBe('hi'); });
