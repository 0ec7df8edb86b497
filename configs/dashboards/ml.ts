import type { DashboardDefinition } from "./definition";
import { appJobVariables, buildDashboard, labelValuesVariable, lowerIsWorse, promQuery, statPanel, timeSeriesPanel, units } from "./panels";
import { and, APP_JOB, gaugeBy, histogramQuantile, sumRate } from "./queries";

/** model_inference_seconds, model_accuracy and predictions_total label the model `model_name`. */
const MODELS = and(APP_JOB, `model_name=~"$model"`);
/** ml_predictions_total, from the request middleware, labels it `model`. */
const MIDDLEWARE_MODELS = and(APP_JOB, `model=~"$model"`);
/** No alert watches accuracy; these are a starting point to tune per model. */
const ACCURACY = lowerIsWorse(0.9, 0.8);

export const ml: DashboardDefinition = {
  folder: "Application",
  datasources: ["prometheus"],
  build: ({ appJob }) =>
    buildDashboard({
      uid: "observability-ml",
      title: "ML",
      description: "Model inference time by model and version, accuracy by dataset, and predictions by class.",
      tags: ["application", "ml"],
      variables: [
        ...appJobVariables("model_inference_seconds_count", appJob),
        labelValuesVariable("model", { label: "Model", datasource: "prometheus", query: `label_values(model_inference_seconds_count{${APP_JOB}}, model_name)` }),
      ],
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "Inference p95", description: "95th percentile of inference time over the selected models.", unit: units.Seconds, width: 6, query: promQuery(histogramQuantile(0.95, "model_inference_seconds", MODELS)) }),
            statPanel({ title: "Inferences per second", description: "Inferences per second over the selected models.", unit: units.OpsPerSecond, width: 6, query: promQuery(sumRate("model_inference_seconds_count", MODELS)) }),
            statPanel({ title: "Predictions per second", description: "Predictions per second, every class.", unit: units.OpsPerSecond, width: 6, query: promQuery(sumRate("predictions_total", MODELS)) }),
            statPanel({ title: "Lowest accuracy", description: "The lowest accuracy any selected model reports on any dataset.", unit: units.PercentUnit, decimals: 1, width: 6, thresholds: ACCURACY, query: promQuery(gaugeBy("min", "model_accuracy", MODELS)) }),
          ],
        },
        {
          row: "Inference",
          panels: [
            timeSeriesPanel({
              title: "Inference p95 by model and version",
              description: "95th percentile of inference time, per model and version: compare a new version with the old.",
              unit: units.Seconds,
              queries: [promQuery(histogramQuantile(0.95, "model_inference_seconds", MODELS, ["model_name", "model_version"]), "{{model_name}} {{model_version}}")],
            }),
            timeSeriesPanel({
              title: "Inference p50 by model and version",
              description: "Median inference time, per model and version.",
              unit: units.Seconds,
              queries: [promQuery(histogramQuantile(0.5, "model_inference_seconds", MODELS, ["model_name", "model_version"]), "{{model_name}} {{model_version}}")],
            }),
            timeSeriesPanel({
              title: "Inferences by model and version",
              description: "Inferences per second, per model and version.",
              unit: units.OpsPerSecond,
              queries: [promQuery(sumRate("model_inference_seconds_count", MODELS, ["model_name", "model_version"]), "{{model_name}} {{model_version}}")],
            }),
            timeSeriesPanel({
              title: "Model accuracy by dataset",
              description: "model_accuracy per model and dataset; dashed lines at 90 % and 80 %.",
              unit: units.PercentUnit,
              thresholds: ACCURACY,
              queries: [promQuery(gaugeBy("max", "model_accuracy", MODELS, ["model_name", "dataset"]), "{{model_name}} {{dataset}}")],
            }),
          ],
        },
        {
          row: "Predictions",
          panels: [
            timeSeriesPanel({
              title: "Predictions by class",
              description: "Predictions per second, per model and predicted class, stacked: a shift in the mix is a drift signal.",
              unit: units.OpsPerSecond,
              stacked: true,
              queries: [promQuery(sumRate("predictions_total", MODELS, ["model_name", "prediction_class"]), "{{model_name}} {{prediction_class}}")],
            }),
            timeSeriesPanel({
              title: "Predictions by status",
              description: "ml_predictions_total from the request middleware, per model and status.",
              unit: units.OpsPerSecond,
              queries: [promQuery(sumRate("ml_predictions_total", MIDDLEWARE_MODELS, ["model", "status"]), "{{model}} {{status}}")],
            }),
          ],
        },
      ],
    }),
};
