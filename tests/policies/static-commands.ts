/**
 * The AWS SDK commands a Lambda handler can send, found statically: starting from every top-level
 * declaration of lambdas/<fn>/handler.ts, follow the declarations it refers to by name, within its
 * module and through relative imports, and collect each `new <X>Command(...)` whose class comes
 * from an @aws-sdk/client-* package. A declaration that is imported but never referenced (for
 * example writeWaitRegistration for on-upload) does not count, so the result is what the handler
 * can call, not everything its modules contain.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

/** @aws-sdk/client-<pkg> -> the service prefix the permission map uses ("S3.HeadObject"). */
const SERVICES: Readonly<Record<string, string>> = { "client-s3": "S3", "client-sfn": "SFN", "client-sns": "SNS" };

interface Declaration {
  readonly references: Set<string>;
  readonly commands: Set<string>;
}

interface Module {
  readonly declarations: Map<string, Declaration>;
  /** Local name -> where it is imported from (a resolved module file and the exported name). */
  readonly imports: Map<string, { file: string; name: string }>;
  /** Local name -> SDK command ("S3.HeadObject"). */
  readonly sdkCommands: Map<string, string>;
}

function resolveModule(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, "index.ts")]) if (existsSync(candidate)) return candidate;
  throw new Error(`static-commands: cannot resolve ${specifier} from ${from}`);
}

function declaredNames(statement: ts.Statement): string[] {
  if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) return [statement.name.text];
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  return [];
}

const cache = new Map<string, Module>();

function load(file: string): Module {
  const cached = cache.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const module: Module = { declarations: new Map(), imports: new Map(), sdkCommands: new Map() };
  for (const statement of source.statements) {
    // `export { x } from "./y"`: the name resolves to y's declaration.
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      if (specifier.startsWith(".") && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) {
          module.imports.set(element.name.text, { file: resolveModule(file, specifier), name: (element.propertyName ?? element.name).text });
        }
      }
      continue;
    }
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    const named = statement.importClause?.namedBindings;
    if (named === undefined || !ts.isNamedImports(named)) continue;
    for (const element of named.elements) {
      const exported = (element.propertyName ?? element.name).text;
      const sdk = /^@aws-sdk\/(client-[a-z0-9-]+)$/.exec(specifier)?.[1];
      if (sdk !== undefined && exported.endsWith("Command")) {
        const service = SERVICES[sdk];
        if (service === undefined) throw new Error(`static-commands: ${file} imports ${exported} from ${specifier}; add the package to SERVICES`);
        module.sdkCommands.set(element.name.text, `${service}.${exported.slice(0, -"Command".length)}`);
      } else if (specifier.startsWith(".")) {
        module.imports.set(element.name.text, { file: resolveModule(file, specifier), name: exported });
      }
    }
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) continue;
    const declaration: Declaration = { references: new Set(), commands: new Set() };
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) declaration.references.add(node.text);
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
        const command = module.sdkCommands.get(node.expression.text);
        if (command !== undefined) declaration.commands.add(command);
      }
      ts.forEachChild(node, visit);
    };
    visit(statement);
    const names = declaredNames(statement);
    // Statements that declare nothing (expressions, re-exports) run when the module loads: key them by position.
    for (const name of names.length > 0 ? names : [`<statement ${statement.pos}>`]) module.declarations.set(name, declaration);
  }
  cache.set(file, module);
  return module;
}

/** The SDK commands (as "S3.HeadObject", ...) reachable from a handler module. */
export function commandsReachableFrom(handlerFile: string): Set<string> {
  const commands = new Set<string>();
  const seen = new Set<string>();
  const queue: { file: string; name: string }[] = [...load(handlerFile).declarations.keys()].map((name) => ({ file: handlerFile, name }));
  while (queue.length > 0) {
    const { file, name } = queue.shift() as { file: string; name: string };
    const key = `${file}#${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const module = load(file);
    const declaration = module.declarations.get(name);
    if (declaration === undefined) {
      // A name the module re-exports from another module, or a type (which sends nothing).
      const reexported = module.imports.get(name);
      if (reexported) queue.push(reexported);
      continue;
    }
    for (const c of declaration.commands) commands.add(c);
    for (const ref of declaration.references) {
      if (module.declarations.has(ref)) queue.push({ file, name: ref });
      const imported = module.imports.get(ref);
      if (imported) queue.push(imported);
    }
  }
  return commands;
}
