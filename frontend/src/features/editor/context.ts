import { createContext, useContext } from "react";
import type { Catalogue } from "./catalogue";

export const CatalogueContext = createContext<Catalogue | null>(null);

export function useCatalogue(): Catalogue {
  const catalogue = useContext(CatalogueContext);
  if (!catalogue) throw new Error("The catalogue is not loaded.");
  return catalogue;
}
