// A slim stand-in for the `dist/embed.js` of @jupyter-widgets/html-manager 1.0.15.
//
// It draws the widget state that the notebooks stored in the page, exactly as that
// embed.js does (same window 'load' timing, same DOM, same CSS), but it only knows the
// ipywidgets 8 classes that the book's pages use: all of @jupyter-widgets/base, and
// the controls listed in controls.js. Left out: the other controls, the ipywidgets 7
// copies, the Output widget (and so JupyterLab's rendermime), the JSON schema validator
// and Font Awesome 5 (the book's theme already ships Font Awesome 6, which draws the
// `fa fa-play`-style icons of the controls).
//
// A page that uses another control shows the ipywidgets error widget in its place and
// logs an Error naming the class: add the class (and its view) to controls.js.
//
// Copyright (c) the lstm-magnifier authors. The behaviour follows html-manager's
// src/htmlmanager.ts and src/libembed.ts (Copyright (c) Jupyter Development Team,
// BSD-3-Clause); see THIRD-PARTY-LICENSES.txt next to the built file.

import * as base from '@jupyter-widgets/base';
// The controls classes bundled: see controls.js, which names each one once.
import * as CONTROLS from './controls.js';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

// These imports are CSS files that build.mjs bundles (resolving their @imports) and
// hands over as strings; see the "css-text" plugin there.
import luminoCss from '@lumino/widgets/style/index.css';
import controlsCss from '@jupyter-widgets/controls/css/widgets-base.css';
import labVariablesCss from '@jupyter-widgets/controls/css/labvariables.css';

const WIDGET_STATE_MIMETYPE = 'application/vnd.jupyter.widget-state+json';
const WIDGET_VIEW_MIMETYPE = 'application/vnd.jupyter.widget-view+json';

/** Append a <style> to <head>, as webpack's style-loader does for html-manager. */
function addStyle(css) {
  const style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);
}

// html-manager's libembed imports the Lumino widget CSS when the script runs (right
// after the Font Awesome 5 CSS, which is left out here).
addStyle(luminoCss);

// The controls CSS goes in the first time a controls class is loaded (html-manager
// `require`s it inside loadClass), and the JupyterLab colour variables only if the
// page does not define them already.
let controlsCssAdded = false;
let labVariablesAdded = false;
function addControlsCss() {
  if (!controlsCssAdded) {
    controlsCssAdded = true;
    addStyle(controlsCss);
  }
  if (
    !labVariablesAdded &&
    getComputedStyle(document.documentElement).getPropertyValue(
      '--jp-layout-color0'
    ) === ''
  ) {
    labVariablesAdded = true;
    addStyle(labVariablesCss);
  }
}

/**
 * Whether a stored model asks for the ipywidgets 7 version of base or controls (module
 * versions 1.x). html-manager picks between its bundled ipywidgets 7 and 8 copies with
 * semver's maxSatisfying([v7, '2.0.0'], '^' + version) and takes the ipywidgets 8 copy
 * for anything that does not resolve to 1.x; the ipywidgets 7 copies are not bundled.
 */
function isIpywidgets7Version(version) {
  return /^[\^~=v\s]*1(\.|$)/.test(String(version));
}

const MODULES = {
  '@jupyter-widgets/base': base,
  '@jupyter-widgets/controls': CONTROLS,
};

export class SlimWidgetManager extends ManagerBase {
  constructor() {
    super();
    this._viewList = new Set();
    // As html-manager does: tell every displayed Lumino widget that the window resized.
    window.addEventListener('resize', () => {
      this._viewList.forEach((view) => {
        MessageLoop.postMessage(
          view.luminoWidget || view.pWidget,
          Widget.ResizeMessage.UnknownSize
        );
      });
    });
  }

  /** Attach a view's Lumino widget to `el`; a view that failed shows an error widget. */
  async display_view(view, el) {
    let v;
    try {
      v = await view;
    } catch (error) {
      const msg = `Could not create a view for ${view}`;
      console.error(msg);
      const ErrorModel = base.createErrorWidgetModel(error, msg);
      v = new base.ErrorWidgetView({ model: new ErrorModel() });
      v.render();
    }
    Widget.attach(v.luminoWidget || v.pWidget, el);
    this._viewList.add(v);
    v.once('remove', () => {
      this._viewList.delete(v);
    });
  }

  /** No kernel: there are no live comms. */
  _get_comm_info() {
    return Promise.resolve({});
  }

  /** No kernel: a comm can never be opened. */
  _create_comm(comm_target_name, model_id) {
    return Promise.reject(
      new Error(
        `Cannot open a comm (target ${comm_target_name}, model ${model_id}): ` +
          'this page has no kernel, its widgets are drawn from the stored state only'
      )
    );
  }

  /** Resolve a model or view class from the bundled base and controls packages only. */
  loadClass(className, moduleName, moduleVersion) {
    return new Promise((resolve, reject) => {
      const module = MODULES[moduleName];
      if (module === undefined) {
        reject(
          new Error(
            `Cannot load ${className} from module ${moduleName}@${moduleVersion}: ` +
              'this widget bundle only has @jupyter-widgets/base and @jupyter-widgets/controls'
          )
        );
        return;
      }
      if (isIpywidgets7Version(moduleVersion)) {
        reject(
          new Error(
            `Cannot load ${className} from module ${moduleName}@${moduleVersion}: ` +
              `this widget bundle only has the ipywidgets 8 version of ${moduleName} (2.x), not ipywidgets 7's`
          )
        );
        return;
      }
      if (module === CONTROLS) {
        addControlsCss();
      }
      const cls = Object.prototype.hasOwnProperty.call(module, className)
        ? module[className]
        : undefined;
      if (cls === undefined) {
        const why =
          module === CONTROLS
            ? 'this slim widget bundle leaves it out (add it to ' +
              'scripts/widgets-bundle/src/controls.js)'
            : 'the module has no such class';
        reject(new Error(`Class ${className} not found in module ${moduleName}@${moduleVersion}: ${why}`));
        return;
      }
      resolve(cls);
    });
  }
}

// Stand-ins for html-manager's checks against the v2 JSON schemas of
// @jupyter-widgets/schema (done there with ajv): the same required fields and types.
const isObject = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

function checkState(state) {
  const errors = [];
  if (!isObject(state)) {
    errors.push('the state is not an object');
  } else {
    if (state.version_major !== 2) errors.push('version_major is not 2');
    if (state.version_minor !== 0) errors.push('version_minor is not 0');
    if (!isObject(state.state)) {
      errors.push('"state" is not an object');
    } else {
      for (const [id, model] of Object.entries(state.state)) {
        if (!isObject(model)) {
          errors.push(`model ${id} is not an object`);
          continue;
        }
        for (const key of ['model_name', 'model_module']) {
          if (typeof model[key] !== 'string') errors.push(`model ${id}: ${key} is not a string`);
        }
        if ('model_module_version' in model && typeof model.model_module_version !== 'string') {
          errors.push(`model ${id}: model_module_version is not a string`);
        }
        if (!isObject(model.state)) errors.push(`model ${id}: "state" is not an object`);
        if ('buffers' in model) {
          const ok =
            Array.isArray(model.buffers) &&
            model.buffers.every(
              (b) =>
                isObject(b) &&
                Array.isArray(b.path) &&
                typeof b.data === 'string' &&
                (b.encoding === 'hex' || b.encoding === 'base64')
            );
          if (!ok) errors.push(`model ${id}: malformed "buffers"`);
        }
      }
    }
  }
  if (errors.length) {
    throw new Error(`Model state has errors: ${errors.join('; ')}`);
  }
}

function checkView(view) {
  const errors = [];
  if (!isObject(view)) {
    errors.push('the view is not an object');
  } else {
    if ('version_major' in view && view.version_major !== 2) errors.push('version_major is not 2');
    if ('version_minor' in view && typeof view.version_minor !== 'number') {
      errors.push('version_minor is not a number');
    }
    if (typeof view.model_id !== 'string') errors.push('model_id is not a string');
  }
  if (errors.length) {
    throw new Error(`View state has errors: ${errors.join('; ')}`);
  }
}

/**
 * Load one stored widget state into a new manager, then draw every widget-view script
 * of `element` whose model it has into a `div.widget-subarea` inserted just before it.
 */
async function renderManager(element, widgetState, managerFactory) {
  checkState(widgetState);
  const manager = managerFactory();
  const models = await manager.set_state(widgetState);
  const tags = element.querySelectorAll(`script[type="${WIDGET_VIEW_MIMETYPE}"]`);
  await Promise.all(
    Array.from(tags).map(async (viewtag) => {
      const viewObject = JSON.parse(viewtag.innerHTML);
      checkView(viewObject);
      const model = models.find((item) => item.model_id == viewObject.model_id);
      if (model === undefined || viewtag.parentElement === null) {
        return;
      }
      // A static snapshot <img class="jupyter-widget"> before the tag gives way to the
      // live widget. (Same test as html-manager, lower-case tag name included.)
      const prev = viewtag.previousElementSibling;
      if (prev && prev.tagName === 'img' && prev.classList.contains('jupyter-widget')) {
        viewtag.parentElement.removeChild(prev);
      }
      const widgetTag = document.createElement('div');
      widgetTag.className = 'widget-subarea';
      viewtag.parentElement.insertBefore(widgetTag, viewtag);
      const view = await manager.create_view(model);
      manager.display_view(view, widgetTag);
    })
  );
}

/** Render the widgets of every widget-state script inside `element`. */
export async function renderWidgets(
  managerFactory = () => new SlimWidgetManager(),
  element = document.documentElement
) {
  const tags = element.querySelectorAll(`script[type="${WIDGET_STATE_MIMETYPE}"]`);
  await Promise.all(
    Array.from(tags).map(async (t) =>
      renderManager(element, JSON.parse(t.innerHTML), managerFactory)
    )
  );
}

// Render on window load, once per page even if the script is included twice.
if (!window._jupyter_widget_embedder) {
  window._jupyter_widget_embedder = true;
  window.addEventListener('load', () => {
    renderWidgets(() => new SlimWidgetManager());
  });
}
