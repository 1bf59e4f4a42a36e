export * from './windowStats.ts';
export * from './packet.ts';
