// Evidence: the pcap around each anomaly, cut from the packet ring, and its record (flows, names).
export { EvidenceRecorder, type EvidenceRequest, type EvidenceRecorderOptions } from './evidenceRecorder.ts';
export { EVIDENCE_VERSION, type EvidenceRecord, type EvidenceFlow } from './evidenceRecord.ts';
export { evidenceName, readEvidenceRecord, evidencePcapPath, pruneEvidence } from './evidenceFiles.ts';
export { EVIDENCE_FLOW_LIMIT } from './evidenceFlows.ts';
