/**
 * The route `npm run verify -- --send-test-alert` uses: an alert labelled `verify_receiver=<name>`
 * reaches that one receiver and no other, at once (no group wait), in a group of its own, so each
 * receiver's delivery is reported on its own and the real alerts' groups are untouched.
 */
export const TEST_ALERT = "ObservabilityVerifyTestAlert";
/** The receiver the test alert is for. */
export const TEST_RECEIVER_LABEL = "verify_receiver";
/** Unique per run, so a test alert never joins an earlier one's group. */
export const TEST_RUN_LABEL = "verify_run";

/** The route, in alertmanager.yml's terms (configs/alertmanager.ts Route, which builds on this file). */
export function testAlertRoute(receivers: string[], timing: { groupInterval: string; repeatInterval: string }) {
  return {
    receiver: receivers[0],
    matchers: [`alertname="${TEST_ALERT}"`, `${TEST_RECEIVER_LABEL}=~".+"`],
    group_by: ["alertname", TEST_RECEIVER_LABEL, TEST_RUN_LABEL],
    group_wait: "0s",
    group_interval: timing.groupInterval,
    repeat_interval: timing.repeatInterval,
    continue: false,
    routes: receivers.map((receiver) => ({ matchers: [`${TEST_RECEIVER_LABEL}="${receiver}"`], receiver })),
  };
}
