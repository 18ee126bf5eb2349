/** The platform's version, reported in platform.json and GET /platform. */
export const VERSION = '0.1.0';
