import { api, apiUpload, type Paginated } from "../../api/client";
import type { components } from "../../api/schema";

export type Dataset = components["schemas"]["DatasetOutput"];
export type Candles = components["schemas"]["DatasetBars"];
export type Timeframe = { value: string; label: string };

export const DATASETS = "/api/v1/datasets/";
export const PAGE_SIZE = 10;
export const CHART_POINTS = 2000;

export type Owner = "" | "mine" | "shared";
export type ListQuery = { symbol: string; timeframe: string; owner: Owner; ordering: string; page: number };

export function listDatasets({ symbol, timeframe, owner, ordering, page }: ListQuery) {
  return api<Paginated<Dataset>>("GET", DATASETS, {
    query: {
      symbol,
      timeframe,
      shared: owner === "" ? undefined : owner === "shared",
      ordering,
      page,
      page_size: PAGE_SIZE,
    },
  });
}

export function getDataset(id: string) {
  return api<Dataset>("GET", `${DATASETS}${id}/`);
}

export function deleteDataset(id: string) {
  return api<void>("DELETE", `${DATASETS}${id}/`);
}

export function downloadUrl(id: string): string {
  return `${DATASETS}${id}/download/`;
}

export type Upload = { file: File; name: string; symbol: string; timeframe: string };

export function uploadDataset(upload: Upload, onProgress: (sent: number) => void) {
  const form = new FormData();
  form.append("file", upload.file);
  form.append("name", upload.name);
  form.append("symbol", upload.symbol);
  form.append("timeframe", upload.timeframe);
  return apiUpload<Dataset>(DATASETS, form, onProgress);
}

/** The dataset's candles over a range (epoch seconds), at most CHART_POINTS of them: finer as it narrows. */
export function getCandles(id: string, start?: number, end?: number) {
  return api<Candles>("GET", `${DATASETS}${id}/bars/`, { query: { start, end, max_points: CHART_POINTS } });
}
