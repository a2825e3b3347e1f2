import { css } from "lit";

// Only theme variables: the card follows the user's theme, light or dark.
export const cardStyles = css`
  :host {
    --ocl-idle: var(--success-color, #43a047);
    --ocl-working: var(--info-color, #039be5);
    --ocl-waiting: var(--warning-color, #ffa600);
    --ocl-error: var(--error-color, #db4437);
    --ocl-offline: var(--disabled-text-color, #8a8a8a);
    --ocl-border: var(--divider-color, rgba(127, 127, 127, 0.25));
    display: block;
  }
  ha-card {
    overflow: hidden;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 16px 4px;
  }
  .header h2 {
    flex: 1;
    margin: 0;
    font-size: var(--ha-card-header-font-size, 1.25rem);
    font-weight: 400;
    color: var(--ha-card-header-color, var(--primary-text-color));
  }
  .badge {
    border-radius: 999px;
    padding: 2px 10px;
    font-size: 0.8rem;
    font-weight: 500;
    color: var(--text-primary-color, #fff);
    background: var(--ocl-waiting);
  }
  .empty {
    padding: 16px;
    color: var(--secondary-text-color);
  }
  section.machine {
    padding: 4px 0 8px;
  }
  .machine-name {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0;
    padding: 8px 16px 4px;
    font-size: 0.85rem;
    font-weight: 500;
    letter-spacing: 0.04em;
    text-transform: uppercase;
    color: var(--secondary-text-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  li.row {
    box-sizing: border-box;
    border-top: 1px solid var(--ocl-border);
  }
  li.row.waiting {
    background: color-mix(in srgb, var(--ocl-waiting) 8%, transparent);
  }
  button.summary {
    all: unset;
    box-sizing: border-box;
    display: grid;
    grid-template-columns: auto 1fr auto;
    gap: 2px 10px;
    align-items: center;
    width: 100%;
    padding: 10px 16px;
    cursor: pointer;
    color: var(--primary-text-color);
  }
  button.summary:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: -2px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    grid-row: span 2;
    border-radius: 999px;
    padding: 2px 8px 2px 4px;
    font-size: 0.75rem;
    font-weight: 500;
    white-space: nowrap;
    color: var(--chip-color);
    background: color-mix(in srgb, var(--chip-color) 16%, transparent);
    --mdc-icon-size: 16px;
  }
  .chip.idle { --chip-color: var(--ocl-idle); }
  .chip.working { --chip-color: var(--ocl-working); }
  .chip.waiting_permission,
  .chip.waiting_input { --chip-color: var(--ocl-waiting); }
  .chip.error { --chip-color: var(--ocl-error); }
  .chip.offline { --chip-color: var(--ocl-offline); }
  .title {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 500;
  }
  .since {
    font-size: 0.8rem;
    color: var(--secondary-text-color);
    white-space: nowrap;
    text-align: right;
  }
  .meta {
    grid-column: 2 / 4;
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
    min-width: 0;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  .meta span {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    max-width: 100%;
  }
  .progress ha-icon {
    --mdc-icon-size: 14px;
    margin-right: 2px;
    vertical-align: -2px;
  }
  .plan-title {
    font-size: 0.85rem;
    color: var(--secondary-text-color);
  }
  .plan {
    list-style: none;
    padding: 0;
    margin: 2px 0 8px;
    font-size: 0.85rem;
  }
  .plan .todo {
    display: flex;
    gap: 6px;
    align-items: flex-start;
    overflow-wrap: anywhere;
  }
  .plan ha-icon {
    --mdc-icon-size: 16px;
    flex: none;
    color: var(--secondary-text-color);
  }
  .plan .completed ha-icon {
    color: var(--success-color, var(--primary-color));
  }
  .plan .in_progress {
    font-weight: 500;
  }
  .plan .cancelled span {
    text-decoration: line-through;
    color: var(--secondary-text-color);
  }
  .tool {
    font-family: var(--code-font-family, monospace);
  }
  .subagent {
    border-radius: 4px;
    padding: 0 6px;
    color: var(--primary-color);
    border: 1px solid color-mix(in srgb, var(--primary-color) 50%, transparent);
  }
  .request,
  .details {
    padding: 0 16px 12px;
  }
  .request h4 {
    margin: 4px 0;
    font-size: 0.9rem;
    font-weight: 500;
  }
  pre {
    margin: 4px 0 8px;
    padding: 8px 10px;
    border-radius: 6px;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    font-family: var(--code-font-family, monospace);
    font-size: 0.85rem;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
    color: var(--primary-text-color);
  }
  /* A command breaks between its words only: each word is one box, wrapped inside
     (at a hyphen, else anywhere) only when it is wider than the whole line. */
  pre.command .word {
    display: inline-block;
    max-width: 100%;
    vertical-align: top;
  }
  .answered-note {
    display: flex;
    align-items: center;
    gap: 6px;
    min-height: 36px;
    margin-top: 8px;
    font-size: 0.9rem;
    font-weight: 500;
    color: var(--secondary-text-color);
    --mdc-icon-size: 20px;
  }
  .small {
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
    margin-top: 8px;
  }
  /* On a phone the reason goes on its own line, beside Reject, wide enough for its
     placeholder; on a wide card it fills the row between Always and Reject. */
  .actions input {
    flex: 1 1 200px;
    min-width: 0;
  }
  input[type="text"] {
    box-sizing: border-box;
    padding: 8px 10px;
    border-radius: 6px;
    border: 1px solid var(--ocl-border);
    font: inherit;
    font-size: 0.9rem;
    color: var(--primary-text-color);
    background: var(--card-background-color, transparent);
  }
  input[type="text"]:focus-visible {
    outline: 2px solid var(--primary-color);
  }
  button.action {
    min-height: 36px;
    padding: 0 14px;
    border-radius: 18px;
    border: 1px solid var(--btn-color, var(--primary-color));
    font: inherit;
    font-size: 0.9rem;
    font-weight: 500;
    cursor: pointer;
    color: var(--btn-color, var(--primary-color));
    background: transparent;
  }
  button.action.primary {
    color: var(--text-primary-color, #fff);
    background: var(--btn-color, var(--primary-color));
  }
  button.action.danger {
    --btn-color: var(--ocl-error);
  }
  button.action:focus-visible {
    outline: 2px solid var(--primary-text-color);
    outline-offset: 2px;
  }
  button.action[disabled] {
    opacity: 0.5;
    cursor: default;
  }
  ul.options {
    list-style: disc;
    margin: 4px 0;
    padding-left: 20px;
    font-size: 0.9rem;
  }
  .error-text {
    color: var(--ocl-error);
    font-size: 0.85rem;
    margin-top: 6px;
  }
  .readonly {
    margin: 0 16px 8px;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 2px 12px;
    margin: 4px 0 8px;
    font-size: 0.85rem;
  }
  dt {
    color: var(--secondary-text-color);
  }
  dd {
    margin: 0;
  }
  .message {
    border-left: 3px solid var(--ocl-border);
    padding: 0 0 0 10px;
    margin: 6px 0;
  }
  .message.assistant {
    border-left-color: var(--primary-color);
  }
  .message .who {
    font-size: 0.75rem;
    color: var(--secondary-text-color);
  }
  .markdown {
    font-size: 0.9rem;
    line-height: 1.45;
    overflow-wrap: anywhere;
  }
  .markdown > :first-child {
    margin-top: 2px;
  }
  .markdown > :last-child {
    margin-bottom: 2px;
  }
  .markdown p,
  .markdown ul,
  .markdown ol,
  .markdown blockquote,
  .markdown pre,
  .markdown .table {
    margin: 6px 0;
  }
  .markdown ul,
  .markdown ol {
    padding-left: 22px;
  }
  .markdown li > p {
    margin: 2px 0;
  }
  .markdown code {
    font-family: var(--code-font-family, monospace);
    font-size: 0.85em;
    padding: 1px 4px;
    border-radius: 4px;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
  }
  .markdown pre code {
    padding: 0;
    background: none;
  }
  .markdown blockquote {
    padding-left: 10px;
    border-left: 3px solid var(--ocl-border);
    color: var(--secondary-text-color);
  }
  .markdown a {
    color: var(--primary-color);
  }
  .markdown .heading {
    margin: 10px 0 4px;
  }
  .markdown .heading.h1 {
    font-size: 1.15em;
  }
  .markdown .heading.h2 {
    font-size: 1.05em;
  }
  .markdown hr {
    border: none;
    border-top: 1px solid var(--ocl-border);
  }
  .markdown .table {
    overflow-x: auto;
  }
  .markdown table {
    border-collapse: collapse;
    font-size: 0.95em;
  }
  .markdown th,
  .markdown td {
    border: 1px solid var(--ocl-border);
    padding: 2px 6px;
    text-align: left;
    overflow-wrap: normal;
  }
  .more {
    padding: 6px 16px 0;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  @media (max-width: 450px) {
    button.summary,
    .request,
    .details {
      padding-left: 12px;
      padding-right: 12px;
    }
  }
`;
