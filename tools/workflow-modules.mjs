// The modules the workflow bundle reaches, found by walking imports from its entry with TypeScript's
// own module resolution: what the bundler will include, computed rather than kept by hand.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Where a module is imported at run time: type-only imports are erased and never reach the bundle. */
function runtimeSpecifiers(sourceFile) {
  const specifiers = [];
  const allTypeOnly = (elements) => elements.length > 0 && elements.every((element) => element.isTypeOnly);
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)
          ? allTypeOnly(clause.namedBindings.elements)
          : false);
      if (!typeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause && ts.isNamedExports(node.exportClause) && allTypeOnly(node.exportClause.elements));
      if (!typeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (!node.isTypeOnly) specifiers.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return specifiers;
}

/** The project's own files (relative to `root`) that the bundle built from `entry` reaches. */
export function modulesReachedFrom(entry, root) {
  const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const reached = new Set();
  const pending = [path.resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const specifier of runtimeSpecifiers(source)) {
      const { resolvedModule } = ts.resolveModuleName(specifier, file, options, ts.sys);
      // Packages are not walked: which packages a reached module may import is the lint rule's business.
      if (resolvedModule && !resolvedModule.isExternalLibraryImport && /\.ts$/.test(resolvedModule.resolvedFileName))
        pending.push(path.resolve(resolvedModule.resolvedFileName));
    }
  }
  return [...reached].map((file) => path.relative(root, file)).sort();
}
