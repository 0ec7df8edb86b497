import type { DashboardDefinition } from "./definition";
import { appJobVariables, buildDashboard, higherIsWorse, labelValuesVariable, lowerIsWorse, promQuery, statPanel, Thresholds, timeSeriesPanel, units } from "./panels";
import { and, APP_JOB, histogramQuantile, shareOfRate, sumGauge, sumRate } from "./queries";

/** trades_total, trade_volume_total and trade_profit_current carry exchange and symbol. */
const TRADES = and(APP_JOB, `exchange=~"$exchange"`, `symbol=~"$symbol"`);
/** order_execution_latency_seconds carries exchange and order_type, no symbol. */
const ORDERS = and(APP_JOB, `exchange=~"$exchange"`);
const FAILED = `status="failed"`;
/** The guide's trade failure thresholds: warning above 5 %, critical above 10 % (HighTradeFailureRate). */
const FAILURE_SHARE = higherIsWorse(0.05, 0.1);
/** SlowOrderExecution fires when the p95 passes 5 s. */
const ORDER_LATENCY: Thresholds = { base: "green", steps: [[5, "red"]] };
const PROFIT: Thresholds = { base: "red", steps: [[0, "green"]] };

export const trading: DashboardDefinition = {
  folder: "Application",
  datasources: ["prometheus"],
  build: ({ appJob }) =>
    buildDashboard({
      uid: "observability-trading",
      title: "Trading",
      description: "Trades, volume, failures, order execution latency and profit, per exchange and symbol.",
      tags: ["application", "trading"],
      variables: [
        ...appJobVariables("trades_total", appJob),
        labelValuesVariable("exchange", { label: "Exchange", datasource: "prometheus", query: `label_values(trades_total{${APP_JOB}}, exchange)` }),
        labelValuesVariable("symbol", { label: "Symbol", datasource: "prometheus", query: `label_values(trades_total{${and(APP_JOB, `exchange=~"$exchange"`)}}, symbol)` }),
      ],
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "Trades per second", description: "Trades executed per second, any status.", unit: units.OpsPerSecond, query: promQuery(sumRate("trades_total", TRADES)) }),
            statPanel({
              title: "Trade success rate",
              description: "Share of trades that did not fail. HighTradeFailureRate fires when failures pass 10 % for 5 minutes.",
              unit: units.PercentUnit,
              decimals: 1,
              thresholds: lowerIsWorse(0.95, 0.9),
              query: promQuery(`1 - (${shareOfRate("trades_total", TRADES, FAILED)})`),
            }),
            statPanel({
              title: "Order execution p95",
              description: "95th percentile of order execution latency. SlowOrderExecution fires above 5 s.",
              unit: units.Seconds,
              thresholds: ORDER_LATENCY,
              query: promQuery(histogramQuantile(0.95, "order_execution_latency_seconds", ORDERS)),
            }),
            statPanel({ title: "Current profit", description: "Sum of trade_profit_current over the selected exchanges and symbols, in the quote currency the app reports.", decimals: 2, thresholds: PROFIT, query: promQuery(sumGauge("trade_profit_current", TRADES)) }),
            statPanel({ title: "Trade volume per second", description: "Volume traded per second, in the units the app counts trade_volume_total in.", unit: units.Short, query: promQuery(sumRate("trade_volume_total", TRADES)) }),
            statPanel({ title: "Failed trades per second", description: "Trades with status failed, per second.", unit: units.OpsPerSecond, thresholds: { base: "green", steps: [[0.01, "orange"]] }, query: promQuery(sumRate("trades_total", and(TRADES, FAILED))) }),
          ],
        },
        {
          row: "Volume",
          panels: [
            timeSeriesPanel({
              title: "Trade volume by exchange and symbol",
              description: "The guide's trade volume query: volume per second, per exchange and symbol.",
              unit: units.Short,
              queries: [promQuery(sumRate("trade_volume_total", TRADES, ["exchange", "symbol"]), "{{exchange}} {{symbol}}")],
            }),
            timeSeriesPanel({
              title: "Trades by side",
              description: "Trades per second, buy against sell.",
              unit: units.OpsPerSecond,
              stacked: true,
              queries: [promQuery(sumRate("trades_total", TRADES, ["side"]), "{{side}}")],
            }),
          ],
        },
        {
          row: "Success and failure",
          panels: [
            timeSeriesPanel({
              title: "Trades by status",
              description: "Trades per second, per status, stacked.",
              unit: units.OpsPerSecond,
              stacked: true,
              queries: [promQuery(sumRate("trades_total", TRADES, ["status"]), "{{status}}")],
            }),
            timeSeriesPanel({
              title: "Trade failure rate by exchange",
              description: "Share of each exchange's trades that failed; dashed lines at 5 % and 10 %.",
              unit: units.PercentUnit,
              min: 0,
              thresholds: FAILURE_SHARE,
              queries: [promQuery(shareOfRate("trades_total", TRADES, FAILED, ["exchange"]), "{{exchange}}")],
            }),
            timeSeriesPanel({
              title: "Trading operations by operation and status",
              description: "trading_operations_total from the request middleware, per operation and status.",
              unit: units.OpsPerSecond,
              width: 24,
              queries: [promQuery(sumRate("trading_operations_total", APP_JOB, ["operation", "status"]), "{{operation}} {{status}}")],
            }),
          ],
        },
        {
          row: "Execution and profit",
          panels: [
            timeSeriesPanel({
              title: "Order execution p95 by exchange and order type",
              description: "95th percentile of order execution latency; dashed line at the 5 s alert threshold.",
              unit: units.Seconds,
              thresholds: ORDER_LATENCY,
              queries: [promQuery(histogramQuantile(0.95, "order_execution_latency_seconds", ORDERS, ["exchange", "order_type"]), "{{exchange}} {{order_type}}")],
            }),
            timeSeriesPanel({
              title: "Profit by exchange and symbol",
              description: "trade_profit_current per exchange and symbol, in the quote currency the app reports.",
              decimals: 2,
              queries: [promQuery(sumGauge("trade_profit_current", TRADES, ["exchange", "symbol"]), "{{exchange}} {{symbol}}")],
            }),
          ],
        },
      ],
    }),
};
