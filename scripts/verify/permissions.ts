/**
 * What `npm run verify` asks of the Kubernetes API in each of the stack's namespaces, as RBAC rules
 * (README "Verify a deployed stack", What it needs). test/cluster runs verify against a real API
 * server as a user bound to exactly these.
 */
export const VERIFY_RULES = [
  { apiGroups: [""], resources: ["pods", "configmaps", "secrets"], verbs: ["get", "list"] },
  // verify's port-forward is a WebSocket upgrade, an HTTP GET: the API server authorises it as `get`
  // (since 1.30), and from 1.35 also as `create` (kubernetes#134577), which kubectl's SPDY needs too.
  { apiGroups: [""], resources: ["pods/portforward"], verbs: ["get", "create"] },
  // The log agent's DaemonSet: ready on every node.
  { apiGroups: ["apps"], resources: ["daemonsets"], verbs: ["get"] },
];
