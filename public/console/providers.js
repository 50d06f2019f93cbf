/** The four platforms, in the order the console lists them. */
export const PROVIDERS = [
  ["tencent-meeting", "Tencent Meeting"],
  ["huawei-meeting", "Huawei Cloud Meeting"],
  ["yunhuni", "Yunhuni"],
  ["tencent-whiteboard", "Tencent Whiteboard"],
];

export const providerName = (id) => PROVIDERS.find(([key]) => key === id)?.[1] ?? id;
