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
// It also carries anywidget's front end (the npm package anywidget, module "anywidget":
// AnyModel and AnyView), so widgets written with anywidget draw from their stored state:
// their `_esm` source is imported from a Blob URL, with no request to any host. A model
// stored for an anywidget version that the bundled one does not satisfy, or a browser
// without AbortSignal.any (which anywidget needs), gets the error widget instead, with
// the reason written in it.
//
// Copyright (c) the lstm-magnifier authors. The behaviour follows html-manager's
// src/htmlmanager.ts and src/libembed.ts (Copyright (c) Jupyter Development Team,
// BSD-3-Clause); see THIRD-PARTY-LICENSES.txt next to the built file.

import * as base from '@jupyter-widgets/base';
// The controls classes bundled: see controls.js, which names each one once.
import * as CONTROLS from './controls.js';
// AnyModel and AnyView; build.mjs turns the package's AMD module into an ES module.
import * as ANYWIDGET from 'anywidget';
import { admitsVersion } from './version-range.mjs';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

// These imports are CSS files that build.mjs bundles (resolving their @imports) and
// hands over as strings; see the "css-text" plugin there.
import luminoCss from '@lumino/widgets/style/index.css';
import errorWidgetCss from './error-widget.css';
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
// The error widget's frame (from @jupyter-widgets/base's CSS).
addStyle(errorWidgetCss);

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

/**
 * The ipywidgets error widget, with the reason written in the box: base's own view only
 * says "Click to show javascript error." until clicked. Clicking still shows the stack.
 * Its broken-file icon is decoration, hidden from screen readers (the text says it all).
 */
function visibleErrorView(ErrorView) {
  return class extends ErrorView {
    render() {
      super.render();
      const { msg, stack } = this.generateErrorMessage();
      const error = this.model.get('error');
      // (A view class that failed to load has its error in the stack only.)
      let reason = error instanceof Error ? error.message : '';
      if (!reason) reason = String(stack).split('\n')[0].replace(/^Error: /, '');
      const text = this.el.querySelector('pre');
      if (text !== null) {
        text.style.whiteSpace = 'pre-wrap';
        text.style.padding = '0 0.5em';
        text.textContent = `${msg}: ${reason}\n(Click to show the JavaScript error.)`;
      }
      const hideIcon = () => {
        this.el.querySelectorAll('svg').forEach((svg) => svg.setAttribute('aria-hidden', 'true'));
      };
      hideIcon();
      // Clicked, base's view shows the stack in a box of the icon's height: let the box
      // grow to the text instead of the text running over the widgets below.
      const onclick = this.el.onclick;
      this.el.onclick = (event) => {
        onclick.call(this.el, event);
        const content = this.el.querySelector('.jupyter-widgets-error-widget.text-error');
        if (content !== null) {
          content.style.height = '';
          content.style.overflowX = 'auto';
        }
      };
      const ondblclick = this.el.ondblclick;
      this.el.ondblclick = (event) => {
        ondblclick.call(this.el, event);
        hideIcon();
      };
    }
  };
}
export const ErrorWidgetView = visibleErrorView(base.ErrorWidgetView);

/** The version of anywidget bundled ("0.11.0"), as its classes declare it. */
export const ANYWIDGET_VERSION = ANYWIDGET.AnyModel.model_module_version;

const MODULES = {
  '@jupyter-widgets/base': { ...base, ErrorWidgetView },
  '@jupyter-widgets/controls': CONTROLS,
  anywidget: ANYWIDGET,
};

/**
 * Why the bundled anywidget cannot load a class stored for `moduleVersion`, or null.
 * Anywidget's front end calls AbortSignal.any (Chrome and Edge 116, Firefox 124,
 * Safari 17.4); without it every anywidget view would fail with a TypeError in the
 * console only.
 */
function anywidgetProblem(moduleVersion) {
  if (typeof AbortSignal === 'undefined' || typeof AbortSignal.any !== 'function') {
    return (
      `this browser lacks AbortSignal.any, which anywidget ${ANYWIDGET_VERSION} needs ` +
      'to draw this widget: open the page in Chrome or Edge 116 or later, Firefox 124 ' +
      'or later, or Safari 17.4 or later.'
    );
  }
  let admitted;
  try {
    admitted = admitsVersion(moduleVersion === undefined ? '*' : moduleVersion, ANYWIDGET_VERSION);
  } catch {
    admitted = false; // a range this bundle cannot read
  }
  if (!admitted) {
    return (
      `the page stores this widget for anywidget ${moduleVersion}, and this widget ` +
      `bundle carries anywidget ${ANYWIDGET_VERSION}, which that version range does not admit.`
    );
  }
  return null;
}

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
      v = new ErrorWidgetView({ model: new ErrorModel() });
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

  /** As ManagerBase's, but the error view it falls back on says why (ErrorWidgetView). */
  async loadViewClass(className, moduleName, moduleVersion) {
    try {
      return await this.loadClass(className, moduleName, moduleVersion);
    } catch (error) {
      console.error(error);
      const msg = `Failed to load view class '${className}' from module '${moduleName}'`;
      return visibleErrorView(base.createErrorWidgetView(error, msg));
    }
  }

  /**
   * Resolve a model or view class from the bundled base, controls and anywidget only.
   * A class that cannot be loaded rejects with an Error; ManagerBase logs it and puts
   * the error widget in the widget's place.
   */
  loadClass(className, moduleName, moduleVersion) {
    return new Promise((resolve, rejectError) => {
      const reject = (message) => rejectError(new Error(message));
      const module = MODULES[moduleName];
      if (module === undefined) {
        reject(
          `Cannot load ${className} from module ${moduleName}@${moduleVersion}: this ` +
            'widget bundle only has @jupyter-widgets/base, @jupyter-widgets/controls and anywidget'
        );
        return;
      }
      if (module === ANYWIDGET) {
        const problem = anywidgetProblem(moduleVersion);
        if (problem !== null) {
          reject(problem);
          return;
        }
      } else if (isIpywidgets7Version(moduleVersion)) {
        reject(
          `Cannot load ${className} from module ${moduleName}@${moduleVersion}: ` +
            `this widget bundle only has the ipywidgets 8 version of ${moduleName} (2.x), not ipywidgets 7's`
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
        reject(`Class ${className} not found in module ${moduleName}@${moduleVersion}: ${why}`);
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
