/** `observability:images`: an image reference per program, overriding the pinned defaults of configs/images.ts. */
import { z } from "zod";
import { defaultImages, ImageName } from "../images";
import { imageReferenceProblem } from "./grammars";
import { grammar } from "./value-schemas";

export const imagesSchema = z
  .object(
    Object.fromEntries(
      (Object.keys(defaultImages) as ImageName[]).map((name) => [
        name,
        grammar(imageReferenceProblem).optional(),
      ]),
    ) as Record<ImageName, z.ZodOptional<z.ZodEffects<z.ZodString>>>,
  )
  .strict()
  .default({});
