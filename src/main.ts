import * as core from '@actions/core';
import { hello } from './hello.js';
core.info(hello());
