import * as core from '@actions/core';
core.info('not built yet');
