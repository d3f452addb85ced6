import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed operations from the server's SDL: `npm run codegen` after `schema.graphql` changes.
// tests/test_web.py fails when src/gql drifts from the SDL.
const config: CodegenConfig = {
  schema: process.env.METERGRAPH_SCHEMA ?? "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    [process.env.METERGRAPH_CODEGEN_OUT ?? "src/gql/"]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: {
          DateTime: "string",
          Decimal: "string",
          Money: "string",
          UUID: "string",
          JSON: "unknown",
          Date: "string",
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
